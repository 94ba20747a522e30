package org.postloom.spool.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;
import org.postloom.mail.Envelope;
import org.postloom.mail.Mailbox;
import org.postloom.spool.Spool;
import org.postloom.testing.Defaults;

/**
 * Durable appends per second: the spool (group commit, writers on virtual threads as SMTP
 * sessions are) beside a file per message with its own fsync (writers on platform threads, the
 * baseline's best case), for 1, 16 and 256 concurrent writers and 1 KiB and 100 KiB bodies.
 * Prints a Markdown table. Not a test: run it with {@code bench/spool/run}.
 *
 * <p>Arguments: {@code [directory on the disk to measure] [seconds per cell]}.
 */
public final class SpoolBenchmark {

    private static final int[] WRITERS = {1, 16, 256};
    private static final int[] SIZES = {1 << 10, 100 << 10};

    /** One store under test: how a writer appends one message. */
    private interface Appender {
        void append() throws IOException;
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args.length > 0 ? args[0] : "target/bench-spool");
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 3;
        java.util.logging.Logger.getLogger("org.postloom.spool").setLevel(java.util.logging.Level.WARNING);
        Files.createDirectories(root);

        measureSpool(root, 16, 1 << 10, 1); // warm up the JIT before anything counts
        System.out.printf("| body | writers | spool appends/s | spool fsyncs/s | file+fsync appends/s | spool / baseline |%n");
        System.out.printf("|---:|---:|---:|---:|---:|---:|%n");
        for (int size : SIZES) {
            for (int writers : WRITERS) {
                var spool = measureSpool(root, writers, size, seconds);
                double baseline = measureBaseline(root, writers, size, seconds);
                System.out.printf("| %d KiB | %d | %,.0f | %,.0f | %,.0f | %.1fx |%n", size >> 10, writers,
                        spool.appendsPerSecond(), spool.forcesPerSecond(), baseline, spool.appendsPerSecond() / baseline);
            }
        }
    }

    private record SpoolResult(double appendsPerSecond, double forcesPerSecond) { }

    private static SpoolResult measureSpool(Path root, int writers, int size, double seconds) throws Exception {
        Path dir = Files.createTempDirectory(root, "spool");
        byte[] body = body(size);
        // Every appended message stays queued: no queue-length limit here, only the disk.
        try (var spool = Spool.open(dir, Defaults.spoolOptions().withMinFreeSpace(0).withMaxMessages(Integer.MAX_VALUE), m -> { })) {
            Appender append = () -> {
                var envelope = envelope(spool.newQueueId().value());
                try (var reception = spool.receive(envelope)) {
                    reception.body().write(body);
                    reception.commit();
                }
            };
            long forcesBefore = spool.stats().forces();
            double appends = run(writers, seconds, Thread.ofVirtual().factory(), append);
            double forces = (spool.stats().forces() - forcesBefore) / seconds;
            return new SpoolResult(appends, forces);
        } finally {
            delete(dir);
        }
    }

    private static double measureBaseline(Path root, int writers, int size, double seconds) throws Exception {
        Path dir = Files.createTempDirectory(root, "files");
        byte[] body = body(size);
        byte[] envelope = envelope("baseline").toString().getBytes(StandardCharsets.UTF_8);
        var store = new FilePerMessageStore(dir);
        try {
            return run(writers, seconds, Thread.ofPlatform().factory(), () -> store.append(envelope, body));
        } finally {
            delete(dir);
        }
    }

    /** Runs {@code writers} threads appending for {@code seconds}; returns appends per second. */
    private static double run(int writers, double seconds, ThreadFactory threads, Appender append) throws Exception {
        var stop = new AtomicBoolean();
        var done = new LongAdder();
        var failures = new LongAdder();
        var started = new java.util.ArrayList<Thread>();
        for (int i = 0; i < writers; i++) {
            started.add(threads.newThread(() -> {
                while (!stop.get()) {
                    try {
                        append.append();
                        done.increment();
                    } catch (IOException e) {
                        failures.increment();
                    }
                }
            }));
        }
        long start = System.nanoTime();
        started.forEach(Thread::start);
        Thread.sleep((long) (seconds * 1000));
        long count = done.sum();
        double elapsed = (System.nanoTime() - start) / 1e9;
        stop.set(true);
        for (var t : started) t.join();
        if (failures.sum() > 0) throw new IllegalStateException(failures.sum() + " appends failed");
        return count / elapsed;
    }

    private static Envelope envelope(String id) {
        return new Envelope(new org.postloom.mail.QueueId(id), new Mailbox("bench", "example.com"),
                List.of(new Mailbox("rcpt", "example.org")), Envelope.BodyType.EIGHT_BIT_MIME, false,
                Instant.now(), "127.0.0.1 bench", "");
    }

    private static byte[] body(int size) {
        byte[] line = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod\r\n"
                .getBytes(StandardCharsets.US_ASCII);
        byte[] body = new byte[size];
        for (int i = 0; i < size; i++) body[i] = line[i % line.length];
        return body;
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (var f : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) Files.delete(f);
        }
    }
}
