package org.postloom.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, CONTRACT.md section 1: a relay with 4 MiB segments takes about 4,000 messages of
 * 10 KiB, one in a hundred for a next hop that defers forever, interleaved. Once the rest is
 * delivered, the spool's files shrink to at most 2 x the live bytes + 3 segments within 60 s.
 * Then five rounds of more mail, each ended by SIGKILL at a random moment of the compaction that
 * follows: no deferred message is lost and no delivered message is sent again.
 */
class DeferralTailIT {

    private static final long SEGMENT = 4L << 20;
    private static final int MESSAGES = Integer.getInteger("tail.messages", 4000);
    private static final int ROUND_MESSAGES = 450;
    private static final int ROUNDS = 5;
    private static final int BODY = 10 << 10;
    private static final Duration FILES_SHRINK = Duration.ofSeconds(60);

    @RegisterExtension
    final Relays relays = new Relays();

    @TempDir
    Path work;

    private final Set<String> deferredIds = ConcurrentHashMap.newKeySet();
    private final Set<String> deliverableIds = ConcurrentHashMap.newKeySet();
    private final AtomicInteger sent = new AtomicInteger();

    @Test
    void theTailIsCompactedAndSurvivesKillsDuringCompaction() throws Exception {
        Random random = new Random();
        try (CapturingSink accepting = CapturingSink.start("127.0.1.2", CapturingSink.ACCEPT_ALL);
             CapturingSink deferring = CapturingSink.start("127.0.1.3", new CapturingSink.Policy() {
                 @Override
                 public String rcpt(String address, int transaction) {
                     return "451 4.7.1 Greylisted, try again later";
                 }
             })) {
            Path config = work.resolve("routes.properties");
            Files.writeString(config, "postloom.routes.\"ok.test\"=127.0.1.2:" + accepting.port() + "\n"
                    + "postloom.routes.\"defer.test\"=127.0.1.3:" + deferring.port() + "\n");
            RelayProcess.Settings settings = RelayProcess.Settings.in(work)
                    .set("POSTLOOM_CONFIG", config.toString())
                    .set("POSTLOOM_SPOOL_SEGMENT_SIZE", Long.toString(SEGMENT))
                    // Slow enough that a kill can land inside a compaction (about a second each).
                    .set("POSTLOOM_SPOOL_COMPACTION_BANDWIDTH", Integer.toString(256 << 10))
                    .set("POSTLOOM_DELIVERY_MIN_BACKOFF", "PT5S")
                    .set("POSTLOOM_DELIVERY_MAX_BACKOFF", "PT10S");

            RelayProcess relay = relays.start(settings);
            var series = new StringBuilder();
            Thread sampler = sampleDiskPerLiveByte(relay, settings.spoolDir(), series);
            send(relay.smtpPort(), MESSAGES);
            awaitDelivered(relay, accepting);
            long shrunkAfter = awaitFilesWithinBound(settings.spoolDir());
            Thread.sleep(3000);
            sampler.interrupt();
            sampler.join();
            ProofReport.of("deferral-tail").with("messages", MESSAGES).with("deferred", deferredIds.size())
                    .with("files_within_bound_after_ms", shrunkAfter)
                    .with("compacted_bytes", (long) relay.metric("postloom_spool_compacted_bytes_total"))
                    .with("disk_per_live_byte_by_second", series.toString().strip()).print();

            int killsDuringCompaction = 0;
            for (int round = 1; round <= ROUNDS; round++) {
                int compactionsBefore = relay.logLines("spool: compacting segment=").size();
                send(relay.smtpPort(), ROUND_MESSAGES);
                awaitDelivered(relay, accepting);
                relay.awaitLogLines("spool: compacting segment=", compactionsBefore + 1, Duration.ofSeconds(30));
                Thread.sleep(random.nextInt(600));              // a random moment of the compaction
                int started = relay.logLines("spool: compacting segment=").size();
                int finished = relay.logLines("spool: compacted segment=").size();
                if (started > finished) killsDuringCompaction++;
                relay.kill();
                relay = relays.start(settings);
                assertThat(relay.recoveredAtStart()).as("round " + round + ": queued after the kill")
                        .isEqualTo(deferredIds.size());
            }
            long shrunkAtEnd = awaitFilesWithinBound(settings.spoolDir());
            relay.close();

            Map<String, Integer> arrivals = accepting.arrivalsByQueueId();
            long sentAgain = arrivals.values().stream().filter(n -> n > 1).count();
            Set<String> queued;
            try (SpoolContents spool = SpoolContents.open(settings.spoolDir())) {
                queued = spool.queueIds();
            }
            ProofReport.of("deferral-tail-kills").with("rounds", ROUNDS).with("kills_during_compaction", killsDuringCompaction)
                    .with("deferred", deferredIds.size()).with("still_queued", queued.size())
                    .with("delivered", arrivals.size()).with("sent_again", sentAgain)
                    .with("files_within_bound_after_ms", shrunkAtEnd).print();
            assertThat(queued).as("every deferred message still queued, nothing else").isEqualTo(deferredIds);
            assertThat(arrivals.keySet()).containsExactlyInAnyOrderElementsOf(deliverableIds);
            assertThat(sentAgain).as("delivered messages sent again").isZero();
            assertThat(killsDuringCompaction).as("kills that landed inside a compaction").isPositive();
        }
    }

    /**
     * Every second: spool bytes (the relay's own postloom_spool_disk_bytes) per byte of queued
     * mail, as {@code second:ratio} pairs.
     */
    private static Thread sampleDiskPerLiveByte(RelayProcess relay, Path spoolDir, StringBuilder series) {
        long start = System.nanoTime();
        return Thread.ofVirtual().start(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    double live = relay.metric("postloom_queue_messages") * (BODY + 600);
                    double disk = relay.metric("postloom_spool_disk_bytes");
                    long second = (System.nanoTime() - start) / 1_000_000_000L;
                    series.append(second).append(':').append(String.format(java.util.Locale.ROOT, "%.1f", disk / live)).append(',');
                    Thread.sleep(1000);
                }
            } catch (InterruptedException | IOException e) {
                // done
            }
        });
    }

    /** Sends {@code count} messages of 10 KiB from eight sessions; every hundredth goes to the deferring hop. */
    private void send(int port, int count) throws Exception {
        String filler = ("x".repeat(76) + "\r\n").repeat(BODY / 78);
        int first = sent.getAndAdd(count);
        AtomicInteger next = new AtomicInteger(first);
        try (var clients = Executors.newVirtualThreadPerTaskExecutor()) {
            var results = new ArrayList<java.util.concurrent.Future<?>>();
            for (int c = 0; c < 8; c++) {
                results.add(clients.submit(() -> {
                    for (int n = next.getAndIncrement(); n < first + count; n = next.getAndIncrement()) {
                        boolean defer = n % 100 == 0;
                        String to = "r" + n + (defer ? "@defer.test" : "@ok.test");
                        String id = MessageSender.send("127.0.0.1", port, "s@sender.test", List.of(to),
                                "Subject: m" + n + "\r\n\r\n" + filler);
                        (defer ? deferredIds : deliverableIds).add(id);
                    }
                    return null;
                }));
            }
            for (var r : results) r.get();
        }
    }

    /** Waits until every deliverable message arrived and the relay's queue holds only the deferred ones. */
    private void awaitDelivered(RelayProcess relay, CapturingSink sink) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        while (System.nanoTime() < deadline) {
            if (sink.arrivalsByQueueId().keySet().containsAll(deliverableIds)
                    && relay.metric("postloom_queue_messages") == deferredIds.size()) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("not delivered within 180 s: " + sink.arrivalsByQueueId().size() + " of "
                + deliverableIds.size() + " arrived, queue " + relay.metric("postloom_queue_messages"));
    }

    /** Waits until the files are within 2 x live bytes + 3 segments; returns how long it took. */
    private long awaitFilesWithinBound(Path spoolDir) throws Exception {
        long liveBytes = deferredIds.size() * (BODY + 1024L);
        long bound = 2 * liveBytes + 3 * SEGMENT;
        long started = System.nanoTime();
        long bytes = spoolBytes(spoolDir);
        while (bytes > bound && System.nanoTime() - started < FILES_SHRINK.toNanos()) {
            Thread.sleep(200);
            bytes = spoolBytes(spoolDir);
        }
        assertThat(bytes).as("spool files after %s (live %d bytes)", FILES_SHRINK, liveBytes).isLessThanOrEqualTo(bound);
        return Duration.ofNanos(System.nanoTime() - started).toMillis();
    }

    private static long spoolBytes(Path dir) throws IOException {
        while (true) {
            try (Stream<Path> files = Files.walk(dir)) {
                return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
            } catch (UncheckedIOException e) {
                if (!(e.getCause() instanceof NoSuchFileException)) throw e;
                // The relay deleted a segment while the walk was on its way to it: count again.
            }
        }
    }
}
