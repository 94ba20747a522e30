package org.postloom.spool;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;

/**
 * Rebuilds the live queue at start by reading every segment, oldest first. The active (newest)
 * segment ends where its first torn or damaged record begins: the rest was never acknowledged
 * (the writer reports a record durable only after the force that follows it), so it is cut off,
 * and appending resumes there. An older segment was forced whole before the next one began, so
 * damage there is the disk's: it is reported in one line with the file and offset, and reading
 * goes on at the next intact record, so that everything readable is kept. A record whose
 * checksums match but which cannot be decoded stops the start instead: that is a bug or a newer
 * format, and dropping it could lose acknowledged mail.
 */
final class Recovery {

    private static final System.Logger LOG = System.getLogger(Recovery.class.getName());

    private Recovery() { }

    static RecoveryReport run(SegmentDirectory directory, Catalog catalog) throws IOException {
        long started = System.nanoTime();
        directory.clearIncoming();
        List<Long> segments = directory.segments();
        long truncated = 0;
        for (long segment : segments) {
            catalog.addSegment(segment);
            boolean active = segment == segments.getLast();
            truncated += replay(directory, catalog, segment, active);
            if (!active) catalog.closed(segment, started);
        }
        var report = new RecoveryReport(segments.size(), catalog.liveCount(), truncated,
                Duration.ofNanos(System.nanoTime() - started));
        LOG.log(Level.INFO, "spool: recovered segments=" + report.segments() + " messages=" + report.messages()
                + " truncated=" + report.truncatedBytes() + " took=" + report.took().toMillis() + "ms");
        return report;
    }

    /** Applies one segment's intact records; returns how many bytes were cut or skipped. */
    private static long replay(SegmentDirectory directory, Catalog catalog, long segment, boolean active)
            throws IOException {
        long lost = 0;
        try (var scanner = new SegmentScanner(directory.path(segment))) {
            while (true) {
                for (var r = scanner.next(); r != null; r = scanner.next()) {
                    catalog.apply(r.entry(), segment, r.payloadOffset());
                }
                long damaged = scanner.validEnd();
                if (damaged == scanner.size()) break;
                if (active) {
                    lost += cutTornTail(directory, segment, damaged, scanner.size());
                    break;
                }
                long resumed = scanner.resync();
                long skipped = (resumed < 0 ? scanner.size() : resumed) - damaged;
                LOG.log(Level.WARNING, "spool: damaged record skipped file=" + scanner.file() + " offset=" + damaged
                        + " skipped=" + skipped + (resumed < 0 ? " (nothing intact after it)" : " resumed=" + resumed));
                lost += skipped;
                if (resumed < 0) break;
            }
            catalog.sized(segment, active ? Math.min(scanner.validEnd(), scanner.size()) : scanner.size());
        }
        return lost;
    }

    private static long cutTornTail(SegmentDirectory directory, long segment, long validEnd, long size)
            throws IOException {
        LOG.log(Level.WARNING, "spool: torn tail cut file=" + directory.path(segment) + " offset=" + validEnd
                + " dropped=" + (size - validEnd));
        try (var channel = FileChannel.open(directory.path(segment), StandardOpenOption.WRITE)) {
            channel.truncate(validEnd);
            channel.force(false);
        }
        return size - validEnd;
    }
}
