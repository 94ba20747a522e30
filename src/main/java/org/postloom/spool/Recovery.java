package org.postloom.spool;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * Rebuilds the live queue at start by reading every segment, oldest first. A segment ends where
 * its first torn or damaged record begins: the rest was never acknowledged (the writer reports a
 * record durable only after the force that follows it), so it is cut off, and appending resumes
 * there. A record whose checksums match but which cannot be decoded stops the start instead:
 * that is a bug or a newer format, and dropping it could lose acknowledged mail.
 */
final class Recovery {

    private static final System.Logger LOG = System.getLogger(Recovery.class.getName());

    private Recovery() { }

    static RecoveryReport run(SegmentDirectory directory, Catalog catalog) throws IOException {
        long started = System.nanoTime();
        directory.clearIncoming();
        var segments = directory.segments();
        long truncated = 0;
        for (long segment : segments) {
            catalog.addSegment(segment);
            truncated += replay(directory, catalog, segment);
        }
        var report = new RecoveryReport(segments.size(), catalog.live().size(), truncated,
                Duration.ofNanos(System.nanoTime() - started));
        LOG.log(Level.INFO, "spool: recovered segments=" + report.segments() + " messages=" + report.messages()
                + " truncated=" + report.truncatedBytes() + " took=" + report.took().toMillis() + "ms");
        return report;
    }

    /** Applies one segment's intact records; returns how many bytes of torn tail were cut. */
    private static long replay(SegmentDirectory directory, Catalog catalog, long segment) throws IOException {
        long validEnd, size;
        try (var scanner = new SegmentScanner(directory.path(segment))) {
            for (var r = scanner.next(); r != null; r = scanner.next()) {
                catalog.apply(r.entry(), segment, r.payloadOffset());
            }
            validEnd = scanner.validEnd();
            size = scanner.size();
        }
        if (validEnd < size) {
            LOG.log(Level.WARNING, "spool: torn tail cut, segment=" + segment + " at=" + validEnd
                    + " dropped=" + (size - validEnd));
            try (var channel = FileChannel.open(directory.path(segment), StandardOpenOption.WRITE)) {
                channel.truncate(validEnd);
                channel.force(false);
            }
        }
        return size - validEnd;
    }
}
