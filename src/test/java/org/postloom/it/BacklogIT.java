package org.postloom.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, CONTRACT.md section 1, scaled: the promise is for 1,000,000 queued 1 KiB messages
 * (under 1 GiB RSS with {@code bin/postloom}'s JVM flags, SMTP again within 20 s of a SIGKILL);
 * CI queues {@code backlog.messages} (100,000) behind a dead next hop with the bench generator
 * and holds the relay to the same bounds per message. Memory: the resident set is the heap (at
 * most bin/postloom's -Xmx) plus what lives outside it, so the promise holds when the live heap
 * of 1,000,000 messages (measured per message after a full GC, times 1,000,000) leaves a quarter
 * of -Xmx free, and -Xmx plus the measured non-heap memory stays under 1 GiB. Recovery: at most
 * 2 x 20 s / 1,000,000 per message at this scale (see the test), SMTP again within 20 s.
 * {@code bench/spool/run backlog} runs this with -Dbacklog.messages=1000000.
 */
class BacklogIT {

    private static final int MESSAGES = Integer.getInteger("backlog.messages", 100_000);
    private static final int PROMISED_MESSAGES = 1_000_000;
    private static final long PROMISED_RSS_KIB = 1L << 20;
    private static final Duration PROMISED_RESTART = Duration.ofSeconds(20);
    /** bench/spool/run: also time the drain once the next hop is back, beside the normal delivery rate. */
    private static final boolean DRAIN = Boolean.getBoolean("backlog.drain");
    private static final Pattern RECOVERED = Pattern.compile("spool: recovered segments=\\d+ messages=(\\d+) .*took=(\\d+)ms");

    @RegisterExtension
    final Relays relays = new Relays();

    @TempDir
    Path work;

    @Test
    void aLargeBacklogStaysSmallInMemoryAndComesBackQuickly() throws Exception {
        int deadPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.1.9"))) {
            deadPort = s.getLocalPort();   // closed again: connections there are refused
        }
        Path config = work.resolve("routes.properties");
        Files.writeString(config, "postloom.routes.\"*\"=127.0.1.9:" + deadPort + "\n");
        RelayProcess.Settings settings = RelayProcess.Settings.in(work).withLauncherJvmFlags()
                .set("POSTLOOM_CONFIG", config.toString())
                // The dead hop is probed every 10 s: once it is back, the backlog drains within one probe.
                .set("POSTLOOM_DELIVERY_MIN_BACKOFF", "PT10S").set("POSTLOOM_DELIVERY_MAX_BACKOFF", "PT10S");
        RelayProcess relay = relays.start(settings);
        long idleKiB = relay.residentKiB();
        long idleHeapKiB = liveHeapKiB(relay)[0];
        long maxHeapKiB = maxHeapKiB(settings);
        double normalRate = DRAIN ? normalDeliveryRate(relay, deadPort) : Double.NaN;

        long startBlast = System.nanoTime();
        String result = blast(relay.smtpPort());
        double blastSeconds = (System.nanoTime() - startBlast) / 1e9;
        assertThat(result).contains("\"accepted\":" + MESSAGES + ",");
        awaitQueued(relay, MESSAGES, Duration.ofSeconds(60));
        long queuedKiB = relay.residentKiB();
        long peakKiB = relay.peakResidentKiB();
        long[] heap = liveHeapKiB(relay);
        long liveHeapKiB = heap[0] - idleHeapKiB;
        long outsideHeapKiB = relay.residentKiB() - heap[1];

        relay.kill();
        Instant killed = Instant.now();
        RelayProcess restarted = relays.start(settings); // returns once the queue is recovered too
        // SMTP accepts from the start line on; the queue is read after it, in the background.
        Duration restart = Duration.between(killed, restarted.startedAt());
        Matcher recovered = RECOVERED.matcher(restarted.log());
        assertThat(recovered.find()).as("recovery line in the log").isTrue();
        long recoveryMillis = Long.parseLong(recovered.group(2));
        long afterRecoveryKiB = restarted.residentKiB();
        double drainRate = DRAIN ? drainRate(restarted, deadPort) : Double.NaN;

        double bytesPerMessage = (queuedKiB - idleKiB) * 1024.0 / MESSAGES;
        double heapPerMessage = liveHeapKiB * 1024.0 / MESSAGES;
        double allowedHeapPerMessage = 0.75 * maxHeapKiB * 1024.0 / PROMISED_MESSAGES;
        // The promise scaled per message, twice over: at 100,000 a cold JVM (interpreted, then C1)
        // reads the whole index, a fixed cost that the 1,000,000 run of bench/spool/run backlog
        // spreads over ten times the messages. That run is the check of the promise itself.
        long allowedRecoveryMillis = 2 * PROMISED_RESTART.toMillis() * MESSAGES / PROMISED_MESSAGES;
        ProofReport.of("backlog").with("messages", MESSAGES).with("blast_s", Math.round(blastSeconds))
                .with("idle_rss_mib", idleKiB / 1024).with("queued_rss_mib", queuedKiB / 1024)
                .with("peak_rss_mib", peakKiB / 1024).with("rss_bytes_per_message", Math.round(bytesPerMessage))
                .with("live_heap_bytes_per_message", Math.round(heapPerMessage))
                .with("allowed_heap_bytes_per_message", Math.round(allowedHeapPerMessage))
                .with("max_heap_mib", maxHeapKiB / 1024).with("outside_heap_mib", outsideHeapKiB / 1024)
                .with("restart_to_smtp_ms", restart.toMillis()).with("recovery_ms", recoveryMillis)
                .with("rss_after_recovery_mib", afterRecoveryKiB / 1024)
                .with("normal_delivery_per_s", Math.round(normalRate)).with("drain_per_s", Math.round(drainRate)).print();

        assertThat(restarted.recoveredAtStart()).as("every message still queued").isEqualTo(MESSAGES);
        assertThat(heapPerMessage).as("live heap bytes per queued message").isLessThan(allowedHeapPerMessage);
        assertThat(maxHeapKiB + outsideHeapKiB).as("-Xmx + memory outside the heap, KiB").isLessThan(PROMISED_RSS_KIB);
        assertThat(peakKiB).isLessThan(PROMISED_RSS_KIB);
        assertThat(recoveryMillis).as("recovery of %d messages", MESSAGES).isLessThan(allowedRecoveryMillis);
        assertThat(restart).as("kill -9 to SMTP accepting").isLessThan(PROMISED_RESTART);
    }

    /** Messages per second end to end (generator to sink) with the next hop up: the yardstick of the drain. */
    private double normalDeliveryRate(RelayProcess relay, int port) throws Exception {
        int count = Math.min(MESSAGES, 100_000);
        Process sink = sink(port);
        try {
            long start = System.nanoTime();
            assertThat(blast(relay.smtpPort(), count)).contains("\"accepted\":" + count + ",");
            awaitQueued(relay, 0, Duration.ofMinutes(10));
            return count / ((System.nanoTime() - start) / 1e9);
        } finally {
            sink.destroyForcibly().waitFor();
        }
    }

    /**
     * The next hop comes back (and the operator flushes the queue, which lifts the back-off at
     * once; without it the next probe, within 10 s, finds the hop): how fast the backlog drains.
     */
    private double drainRate(RelayProcess relay, int port) throws Exception {
        Process sink = sink(port);
        try {
            long start = System.nanoTime();
            var client = java.net.http.HttpClient.newHttpClient();
            client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                            "http://127.0.0.1:" + relay.adminPort() + "/queue/retry"))
                    .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            awaitQueued(relay, 0, Duration.ofMinutes(30));
            return MESSAGES / ((System.nanoTime() - start) / 1e9);
        } finally {
            sink.destroyForcibly().waitFor();
        }
    }

    private Process sink(int port) throws Exception {
        Process sink = new ProcessBuilder(JavaCommand.forMain("org.postloom.cli.Main", "bench", "sink",
                "--listen", "127.0.1.9:" + port, "--interval-ms", "1000"))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(work.resolve("sink.err").toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!Files.readString(work.resolve("sink.err")).contains("listening") && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        return sink;
    }

    /** Heap used after a full GC, and heap committed, in KiB (jcmd GC.run, GC.heap_info). */
    private static long[] liveHeapKiB(RelayProcess relay) throws Exception {
        jcmd(relay, "GC.run");
        Matcher used = Pattern.compile("committed (\\d+)K, used (\\d+)K").matcher(jcmd(relay, "GC.heap_info"));
        assertThat(used.find()).as("jcmd GC.heap_info").isTrue();
        return new long[] {Long.parseLong(used.group(2)), Long.parseLong(used.group(1))};
    }

    private static String jcmd(RelayProcess relay, String command) throws Exception {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(relay.pid()), command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    /** The -Xmx of bin/postloom's flags, in KiB. */
    private static long maxHeapKiB(RelayProcess.Settings settings) {
        Matcher xmx = Pattern.compile("-Xmx(\\d+)([mMgG])").matcher(String.join(" ", settings.jvmFlags()));
        assertThat(xmx.find()).as("bin/postloom sets -Xmx").isTrue();
        return Long.parseLong(xmx.group(1)) * (xmx.group(2).equalsIgnoreCase("g") ? 1 << 20 : 1 << 10);
    }

    /** The bench generator, in its own JVM: MESSAGES of 1 KiB over 32 pipelining sessions. */
    private String blast(int port) throws Exception {
        return blast(port, MESSAGES);
    }

    private String blast(int port, int messages) throws Exception {
        Path out = work.resolve("blast.json");
        Process blaster = new ProcessBuilder(JavaCommand.forMain("org.postloom.cli.Main", "bench", "blast",
                "--server", "127.0.0.1:" + port, "--sessions", "32", "--messages", Integer.toString(messages),
                "--size", "1024", "--domains", "20"))
                .redirectOutput(out.toFile()).redirectError(work.resolve("blast.err").toFile()).start();
        assertThat(blaster.waitFor(Math.max(10, messages / 1000), TimeUnit.MINUTES)).as("blast finished").isTrue();
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    private static void awaitQueued(RelayProcess relay, int count, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (relay.metric("postloom_queue_messages") != count && System.nanoTime() < deadline) Thread.sleep(200);
        assertThat(relay.metric("postloom_queue_messages")).isEqualTo(count);
    }
}
