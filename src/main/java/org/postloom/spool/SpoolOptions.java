package org.postloom.spool;

import java.time.Clock;
import java.util.Objects;

/**
 * How a {@link Spool} sizes its files and buffers.
 *
 * @param segmentSize     a segment is closed and a new one begun once it reaches this many bytes;
 *                        whole segments are the unit in which space is reclaimed
 * @param memoryThreshold a body is held in memory up to this many bytes, then spilled to a
 *                        temporary file, so heap use does not grow with message size
 * @param minFreeSpace    {@code receive} refuses with 452 (FULL) when the file system has less
 *                        usable space than this
 * @param maxMessages     {@code receive} refuses with 452 (FULL) once this many messages are queued:
 *                        the bound on the working set, so a stuck queue slows senders down instead
 *                        of growing memory without end
 * @param compactionBandwidth bytes per second the compactor may copy at most
 * @param clock           the time in queue ids
 */
public record SpoolOptions(long segmentSize, int memoryThreshold, long minFreeSpace, int maxMessages,
                           long compactionBandwidth, Clock clock) {

    public SpoolOptions {
        if (segmentSize < 1) throw new IllegalArgumentException("segmentSize must be positive");
        if (memoryThreshold < 0) throw new IllegalArgumentException("memoryThreshold must be >= 0");
        if (minFreeSpace < 0) throw new IllegalArgumentException("minFreeSpace must be >= 0");
        if (maxMessages < 1) throw new IllegalArgumentException("maxMessages must be positive");
        if (compactionBandwidth < 1) throw new IllegalArgumentException("compactionBandwidth must be positive");
        Objects.requireNonNull(clock);
    }

    /**
     * 64 MiB segments, 128 KiB in memory per body, refuse below 256 MiB free or past 10,000,000
     * messages, compact at up to 32 MiB/s.
     */
    public static SpoolOptions defaults() {
        return new SpoolOptions(64L << 20, 128 << 10, 256L << 20, 10_000_000, 32L << 20, Clock.systemUTC());
    }

    public SpoolOptions withSegmentSize(long bytes) {
        return new SpoolOptions(bytes, memoryThreshold, minFreeSpace, maxMessages, compactionBandwidth, clock);
    }

    public SpoolOptions withMemoryThreshold(int bytes) {
        return new SpoolOptions(segmentSize, bytes, minFreeSpace, maxMessages, compactionBandwidth, clock);
    }

    public SpoolOptions withMaxMessages(int messages) {
        return new SpoolOptions(segmentSize, memoryThreshold, minFreeSpace, messages, compactionBandwidth, clock);
    }

    public SpoolOptions withMinFreeSpace(long bytes) {
        return new SpoolOptions(segmentSize, memoryThreshold, bytes, maxMessages, compactionBandwidth, clock);
    }

    public SpoolOptions withCompactionBandwidth(long bytesPerSecond) {
        return new SpoolOptions(segmentSize, memoryThreshold, minFreeSpace, maxMessages, bytesPerSecond, clock);
    }
}
