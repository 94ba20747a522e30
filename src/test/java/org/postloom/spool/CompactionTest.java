package org.postloom.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.postloom.testing.TestMail.body;
import static org.postloom.testing.TestSpool.commit;
import static org.postloom.testing.TestSpool.readBody;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.mail.QueueId;
import org.postloom.testing.TestMail;
import org.postloom.testing.TestSpool;

/**
 * Compaction of segments held by a deferral tail: the files shrink to the live mail, and a crash
 * at any byte of a compaction (the copies torn anywhere, the old segment not yet deleted) gives
 * back exactly the queue that was there before: each message once, every final recipient final.
 */
class CompactionTest {

    private static final int SEGMENT = 64 << 10;
    private static final Instant LATER = Instant.parse("2030-01-01T00:00:00Z");

    @TempDir
    Path dir;

    /** 120 messages of 2 KiB over several segments; every 20th stays deferred, one is half delivered. */
    private Map<QueueId, List<RecipientState>> queueWithTail(Spool spool) throws IOException {
        Map<QueueId, List<RecipientState>> live = new HashMap<>();
        for (int i = 0; i < 120; i++) {
            int recipients = i == 45 ? 2 : 1;
            var id = commit(spool, recipients, body("m" + i, 2048)).queueId();
            if (i == 45) {
                spool.record(id, 0, RecipientState.DELIVERED);
                spool.record(id, 1, new RecipientState.Deferred(LATER, "451 4.2.2 mailbox full"));
                live.put(id, List.of(RecipientState.DELIVERED, new RecipientState.Deferred(LATER, "451 4.2.2 mailbox full")));
            } else if (i % 20 == 0) {
                spool.record(id, 0, new RecipientState.Deferred(LATER, "451 4.7.1 greylisted"));
                live.put(id, List.of(new RecipientState.Deferred(LATER, "451 4.7.1 greylisted")));
            } else {
                spool.record(id, 0, RecipientState.DELIVERED);
            }
        }
        return live;
    }

    @Test
    void aDeferralTailNoLongerKeepsItsSegmentsAndSurvivesAReopen() throws Exception {
        Map<QueueId, List<RecipientState>> live;
        long segmentsBefore;
        try (var opened = TestSpool.open(dir, TestSpool.options().withSegmentSize(SEGMENT))) {
            var spool = opened.spool();
            live = queueWithTail(spool);
            segmentsBefore = spool.stats().segments();
            long liveBytes = live.size() * 2200L;
            // The writer deletes an old segment before the compactor hears its copies are durable
            // and counts them: wait for the count too.
            await("files within 2 x live + 3 segments", Duration.ofSeconds(30),
                    () -> spoolBytes() <= 2 * liveBytes + 3L * SEGMENT && spool.stats().compactedBytes() > 0);
            assertThat(spool.stats().compactedBytes()).isPositive();
            assertThat(spool.stats().segments()).isLessThan((int) segmentsBefore);
        }
        assertThat(segmentsBefore).isGreaterThanOrEqualTo(4);
        try (var reopened = TestSpool.open(dir, TestSpool.options().withSegmentSize(SEGMENT))) {
            var spool = reopened.spool();
            assertQueueIs(spool, live);
            for (var id : live.keySet()) {
                assertThat(new String(readBody(spool, id))).startsWith("Subject: m");
                assertThat(readBody(spool, id)).hasSize(2048);
            }
        }
    }

    @Test
    void aCrashAtAnyByteOfACompactionLosesNothingAndRevivesNothing() throws Exception {
        Map<QueueId, List<RecipientState>> live;
        try (var opened = TestSpool.open(dir, TestSpool.options().withSegmentSize(SEGMENT))) {
            live = queueWithTail(opened.spool());
        }
        Path before = copyOf(dir, dir.resolveSibling(dir.getFileName() + "-before"));
        // Each start writes to a segment after the recovered ones; with a large segment size the
        // copies all go into that one.
        long copies = lastSegment(before) + 1;
        try (var compacting = TestSpool.open(dir, TestSpool.options().withSegmentSize(1L << 30))) {
            await("old segments compacted away", Duration.ofSeconds(30),
                    () -> compacting.spool().stats().segments() <= 2);
        }
        byte[] after = Files.readAllBytes(segment(dir, copies));
        assertThat(after.length).isPositive();

        List<Integer> cuts = new ArrayList<>();
        for (int cut = 0; cut < after.length; cut += 1 + after.length / 24) cuts.add(cut);
        cuts.add(after.length);
        Path crash = dir.resolveSibling(dir.getFileName() + "-crash");
        for (int cut : cuts) {
            copyOf(before, crash);
            try (var file = new RandomAccessFile(segment(crash, copies).toFile(), "rw")) {
                file.write(after, 0, cut);
                file.setLength(cut);
            }
            try (var reopened = TestSpool.open(crash, TestSpool.options().withSegmentSize(SEGMENT))) {
                assertQueueIs(reopened.spool(), live);
                assertThat(reopened.spool().awaitRecovery().messages()).as("cut at " + cut).isEqualTo(live.size());
            }
        }
    }

    @Test
    void aDamagedRecordInAnOldSegmentCostsOnlyThatRecord() throws Exception {
        List<QueueId> ids = new ArrayList<>();
        try (var opened = TestSpool.open(dir, TestSpool.options().withSegmentSize(SEGMENT))) {
            for (int i = 0; i < 60; i++) ids.add(commit(opened.spool(), 1, body("d" + i, 2048)).queueId());
        }
        try (var file = new RandomAccessFile(segment(dir, 1).toFile(), "rw")) {
            file.seek(10 * 2200);           // inside the tenth message or so
            file.write(new byte[64]);
        }
        var warnings = new ArrayList<String>();
        var recovery = java.util.logging.Logger.getLogger(Recovery.class.getName());
        var handler = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                if (r.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) warnings.add(r.getMessage());
            }

            @Override
            public void flush() { }

            @Override
            public void close() { }
        };
        recovery.setLevel(java.util.logging.Level.WARNING);
        recovery.addHandler(handler);
        try (var reopened = TestSpool.open(dir, TestSpool.options().withSegmentSize(SEGMENT))) {
            assertThat(warnings).singleElement().asString()
                    .contains("damaged record skipped", "file=" + segment(dir, 1), "offset=");
            var present = TestMail.ids(reopened.spool().messages());
            assertThat(present).hasSizeBetween(ids.size() - 2, ids.size() - 1);
            assertThat(ids).containsAll(present);
            assertThat(present).contains(ids.getFirst(), ids.get(20), ids.getLast());
            assertThat(reopened.spool().awaitRecovery().truncatedBytes()).isPositive();
        } finally {
            recovery.removeHandler(handler);
        }
    }

    private static void assertQueueIs(Spool spool, Map<QueueId, List<RecipientState>> live) {
        var messages = spool.messages();
        assertThat(TestMail.ids(messages)).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(live.keySet());
        for (var m : messages) assertThat(m.recipients()).as(m.queueId().value()).isEqualTo(live.get(m.queueId()));
    }

    private long spoolBytes() {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        } catch (IOException | RuntimeException e) {
            return Long.MAX_VALUE; // a file deleted while we looked: look again
        }
    }

    private static Path segment(Path dir, long segment) {
        return dir.resolve("%016d.seg".formatted(segment));
    }

    private static long lastSegment(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".seg"))
                    .mapToLong(n -> Long.parseLong(n.substring(0, 16))).max().orElseThrow();
        }
    }

    /** Replaces {@code target} with a copy of the segment files in {@code source}. */
    private static Path copyOf(Path source, Path target) throws IOException {
        if (Files.exists(target)) {
            try (Stream<Path> files = Files.walk(target)) {
                files.sorted((a, b) -> b.compareTo(a)).forEach(f -> f.toFile().delete());
            }
        }
        Files.createDirectories(target);
        try (Stream<Path> files = Files.list(source)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (f.getFileName().toString().endsWith(".seg")) {
                    Files.copy(f, target.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        return target;
    }

    private static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited %s for: %s", timeout, what).isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
