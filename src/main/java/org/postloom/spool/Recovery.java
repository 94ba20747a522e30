package org.postloom.spool;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Rebuilds the live queue at start by reading every segment, oldest first, on a thread of its
 * own while the writer already takes new messages into a segment after them (issue 12: SMTP
 * accepts again within seconds of a crash, whatever the backlog).
 *
 * <p>Before anything is written, {@link #cutTornTail} ends the newest segment where its first torn
 * or damaged record begins: the rest was never acknowledged (the writer reports a record durable
 * only after the force that follows it). An older segment was forced whole before the next one
 * began, so damage there is the disk's: it is reported in one line with the file and offset, and
 * reading goes on at the next intact record, so that everything readable is kept. A record whose
 * checksums match but which cannot be decoded fails recovery instead: that is a bug or a newer
 * format, and dropping it could lose acknowledged mail.
 *
 * <p>No recovered message is handed to delivery before every segment has been read: a later
 * segment may hold the record that says a recipient was already delivered, and handing the
 * message on early could deliver it twice. New messages are not affected: they and their state
 * records lie only in segments after the recovered ones.
 */
final class Recovery {

    private static final System.Logger LOG = System.getLogger(Recovery.class.getName());

    private Recovery() { }

    /** What reading the newest segment at start found: the bytes cut off its end, and its riders. */
    record Tail(long truncated, List<byte[]> riders) { }

    /**
     * Cuts the torn tail of {@code segment}, the newest before this start, and collects its riders
     * ({@link CommitRider}: only this segment can hold some their owner has not made durable). It
     * reads the segment once (at most one segment's size), before the writer begins.
     */
    static Tail cutTornTail(SegmentDirectory directory, long segment) throws IOException {
        long validEnd;
        long size;
        List<byte[]> riders = new ArrayList<>();
        try (var scanner = new SegmentScanner(directory.path(segment))) {
            collect(scanner, riders);
            validEnd = scanner.validEnd();
            size = scanner.size();
        }
        if (validEnd == size) return new Tail(0, riders);
        LOG.log(Level.WARNING, "spool: torn tail cut file=" + directory.path(segment) + " offset=" + validEnd
                + " dropped=" + (size - validEnd));
        try (var channel = FileChannel.open(directory.path(segment), StandardOpenOption.WRITE)) {
            channel.truncate(validEnd);
            channel.force(false);
        }
        return new Tail(size - validEnd, riders);
    }

    /** The riders of {@code segment}, a whole one (its tail was cut at an earlier start). */
    static List<byte[]> riders(SegmentDirectory directory, long segment) throws IOException {
        List<byte[]> riders = new ArrayList<>();
        try (var scanner = new SegmentScanner(directory.path(segment))) {
            collect(scanner, riders);
        }
        return riders;
    }

    private static void collect(SegmentScanner scanner, List<byte[]> riders) throws IOException {
        for (var r = scanner.next(); r != null; r = scanner.next()) {
            if (r.entry() instanceof LogEntry.Ridden ridden) riders.add(ridden.payload());
        }
    }

    /**
     * Reads {@code segments} (all older than the writer's) into {@code catalog} on a new thread,
     * then hands every recovered live message to {@code onRecovered}, oldest arrival first, and
     * only then lets the catalog reclaim and compact segments; completes {@code report} last.
     */
    static void start(SegmentDirectory directory, Catalog catalog, List<Long> segments, long truncated,
                      Consumer<QueueEntry> onRecovered, BooleanSupplier open, CompletableFuture<RecoveryReport> report) {
        Thread.ofPlatform().name("spool-recovery").daemon(true).start(() -> {
            try {
                report.complete(run(directory, catalog, segments, truncated, onRecovered, open));
            } catch (IOException | RuntimeException e) {
                if (open.getAsBoolean()) LOG.log(Level.ERROR, "spool: recovery failed: " + e.getMessage());
                report.completeExceptionally(e);
            }
        });
    }

    private static RecoveryReport run(SegmentDirectory directory, Catalog catalog, List<Long> segments,
                                      long truncated, Consumer<QueueEntry> onRecovered, BooleanSupplier open)
            throws IOException {
        long started = System.nanoTime();
        long skipped = 0;
        for (long segment : segments) {
            if (!open.getAsBoolean()) throw new IOException("spool closed during recovery");
            skipped += replay(directory, catalog, segment);
            catalog.closed(segment, started);
        }
        // Compaction and reclaiming are still off, so no recovered message has moved to a newer segment.
        long newest = segments.isEmpty() ? 0 : segments.getLast();
        List<QueueEntry> recovered = catalog.entriesUpTo(newest);
        if (!open.getAsBoolean()) throw new IOException("spool closed during recovery");
        recovered.forEach(onRecovered);
        catalog.recovered();
        var report = new RecoveryReport(segments.size(), recovered.size(), truncated + skipped,
                Duration.ofNanos(System.nanoTime() - started));
        LOG.log(Level.INFO, "spool: recovered segments=" + report.segments() + " messages=" + report.messages()
                + " truncated=" + report.truncatedBytes() + " took=" + report.took().toMillis() + "ms");
        return report;
    }

    /** Applies one segment's intact records; returns how many damaged bytes were skipped. */
    private static long replay(SegmentDirectory directory, Catalog catalog, long segment) throws IOException {
        long lost = 0;
        try (var scanner = new SegmentScanner(directory.path(segment))) {
            while (true) {
                for (var r = scanner.next(); r != null; r = scanner.next()) {
                    catalog.apply(r.entry(), segment, r.payloadOffset());
                }
                long damaged = scanner.validEnd();
                if (damaged == scanner.size()) break;
                long resumed = scanner.resync();
                long skipped = (resumed < 0 ? scanner.size() : resumed) - damaged;
                LOG.log(Level.WARNING, "spool: damaged record skipped file=" + scanner.file() + " offset=" + damaged
                        + " skipped=" + skipped + (resumed < 0 ? " (nothing intact after it)" : " resumed=" + resumed));
                lost += skipped;
                if (resumed < 0) break;
            }
            catalog.sized(segment, scanner.size());
        }
        return lost;
    }
}
