package org.postloom.spool;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import java.util.zip.CRC32C;

/**
 * Rewrites the few live messages of old segments into the active one, so that a tail of deferred
 * mail does not keep whole segments of delivered mail on disk. Each copy goes through the
 * group-commit writer (so it is durable before anything relies on it); once a segment holds no
 * live message, the writer deletes it like any other.
 *
 * <p>The policy, and why:
 * <ul>
 * <li>A closed segment is compacted when its live messages fill less than half of it. Then
 *     every segment kept is at least half live, which is the promise (files at most twice the live
 *     bytes, plus the active segment and the one being compacted), and rewriting a segment costs
 *     at most as many bytes as it frees: the write amplification stays at or below 2.</li>
 * <li>It waits {@link #SETTLE} after the segment closed: mail is mostly delivered within seconds
 *     of arrival, and a segment compacted at once would copy messages that were about to become
 *     final.</li>
 * <li>A segment that keeps a younger, otherwise dead segment from being deleted (the younger one
 *     holds final states of its messages) is compacted whatever its live share.</li>
 * <li>Under disk pressure (less than twice {@code min-free-space} free) the wait is dropped and
 *     segments up to {@link #PRESSURE_SHARE} live are compacted: space now is worth more than the
 *     copying.</li>
 * <li>Copies go in chunks of at most {@link #CHUNK} bytes, each awaited before the next, and paced to
 *     {@code bandwidth} bytes per second: a session's record waits behind at most one chunk, and
 *     the disk keeps most of its bandwidth for new mail.</li>
 * </ul>
 * Oldest segments go first: their state records are the ones that hold younger segments back.
 */
final class Compactor implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Compactor.class.getName());
    static final double LIVE_SHARE = 0.5;
    static final double PRESSURE_SHARE = 0.9;
    static final Duration SETTLE = Duration.ofSeconds(5);
    static final int CHUNK = 256 << 10;
    private static final Duration IDLE = Duration.ofMillis(500);

    private final SegmentDirectory directory;
    private final Catalog catalog;
    private final GroupCommitWriter writer;
    private final long bandwidth;
    /** A tenth of a second's worth at the allowed bandwidth, at most {@link #CHUNK}: the pacing step. */
    private final long chunk;
    private final LongSupplier usableSpace;
    private final long minFreeSpace;
    private final AtomicLong compactedBytes = new AtomicLong();
    /** Segments with a record that cannot be read back: reported once, then left alone. */
    private final Set<Long> damaged = new HashSet<>();
    private final Thread thread;
    private volatile boolean running = true;

    Compactor(SegmentDirectory directory, Catalog catalog, GroupCommitWriter writer, long bandwidth,
              LongSupplier usableSpace, long minFreeSpace) {
        this.directory = directory;
        this.catalog = catalog;
        this.writer = writer;
        this.bandwidth = bandwidth;
        this.chunk = Math.max(1, Math.min(CHUNK, bandwidth / 10));
        this.usableSpace = usableSpace;
        this.minFreeSpace = minFreeSpace;
        this.thread = Thread.ofPlatform().name("spool-compactor").daemon(true).start(this::run);
    }

    long compactedBytes() {
        return compactedBytes.get();
    }

    private void run() {
        while (running) {
            try {
                long segment = pick();
                if (segment < 0) {
                    LockSupport.parkNanos(IDLE.toNanos());
                } else {
                    compact(segment);
                }
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.WARNING, "spool: compaction failed, tried again later: " + e);
                LockSupport.parkNanos(IDLE.toNanos() * 4);
            }
        }
    }

    /** The oldest segment worth compacting now, or -1. */
    private long pick() {
        if (catalog.isRecovering()) return -1; // segments not yet read look empty
        long active = writer.activeSegment();
        boolean pressure = usableSpace.getAsLong() < 2 * minFreeSpace;
        Set<Long> pinning = catalog.pinning(active);
        long now = System.nanoTime();
        for (var e : catalog.segments().entrySet()) {
            long segment = e.getKey();
            var usage = e.getValue();
            if (segment >= active || usage.liveMessages == 0 || damaged.contains(segment)) continue;
            boolean settled = usage.closedAtNanos != 0 && now - usage.closedAtNanos >= SETTLE.toNanos();
            double share = usage.bytes == 0 ? 1 : (double) usage.liveBytes / usage.bytes;
            if (pinning.contains(segment)) return segment;
            if (pressure ? share < PRESSURE_SHARE : settled && share < LIVE_SHARE) return segment;
        }
        return -1;
    }

    private void compact(long segment) throws IOException {
        long started = System.nanoTime();
        var file = directory.path(segment);
        List<Catalog.Stored> live = catalog.storedIn(segment);
        LOG.log(Level.INFO, "spool: compacting segment=" + segment + " live=" + live.size());
        long copied = 0;
        try (var channel = FileChannel.open(file, StandardOpenOption.READ)) {
            var chunk = new ArrayList<PendingAppend>();
            long chunkBytes = 0;
            for (var stored : live) {
                if (!running) return;
                int checksum;
                try {
                    checksum = verify(channel, stored);
                } catch (IOException e) {
                    damaged.add(segment);
                    LOG.log(Level.WARNING, "spool: damaged record left in place file=" + file + " offset="
                            + (stored.payloadOffset() - Frame.HEADER) + " id=" + stored.ref().queueId() + ": " + e.getMessage());
                    continue;
                }
                var copy = PendingAppend.copy(new PendingAppend.CopySource(stored.ref().queueId(), segment,
                        stored.messageOffset(), file, stored.messageLength(), checksum, stored.envelopeLength()));
                writer.submit(copy);
                chunk.add(copy);
                chunkBytes += stored.messageLength();
                if (chunkBytes >= this.chunk) {
                    copied += await(chunk);
                    pace(started, copied);
                    chunk.clear();
                    chunkBytes = 0;
                }
            }
            copied += await(chunk);
        }
        LOG.log(Level.INFO, "spool: compacted segment=" + segment + " copied=" + copied + " bytes took="
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + "ms");
    }

    /** Waits until the chunk is durable; returns the bytes it copied (copies no longer needed copy none). */
    private long await(List<PendingAppend> chunk) {
        try {
            CompletableFuture.allOf(chunk.stream().map(p -> p.durable).toArray(CompletableFuture[]::new)).join();
        } catch (CompletionException e) {
            throw new IllegalStateException("copies not stored: " + e.getCause().getMessage(), e.getCause());
        }
        long bytes = 0;
        for (var p : chunk) if (p.entry != null) bytes += p.body.size();
        compactedBytes.addAndGet(bytes);
        return bytes;
    }

    /** Sleeps as long as keeps this compaction at or under {@code bandwidth} bytes per second. */
    private void pace(long started, long copied) {
        long due = started + (long) (copied * 1e9 / bandwidth);
        long wait = due - System.nanoTime();
        if (wait > 0) LockSupport.parkNanos(wait);
    }

    /**
     * Reads the whole record holding {@code stored} and checks its checksums; returns the
     * checksum of the verbatim message payload inside it.
     */
    private static int verify(FileChannel channel, Catalog.Stored stored) throws IOException {
        long recordStart = stored.payloadOffset() - Frame.HEADER;
        var header = readFully(channel, recordStart, Frame.HEADER);
        int length = header.getInt(1);
        if (header.getInt(5) != Frame.headerChecksum(header.array())
                || length != stored.messageStart() + stored.messageLength()) {
            throw new IOException("record header does not match the index");
        }
        var all = new CRC32C();
        var message = new CRC32C();
        var buffer = ByteBuffer.allocate(64 << 10);
        for (long done = 0; done < length; ) {
            buffer.clear().limit((int) Math.min(buffer.capacity(), length - done));
            int n = channel.read(buffer, stored.payloadOffset() + done);
            if (n < 0) throw new IOException("record cut short");
            all.update(buffer.array(), 0, n);
            int skip = (int) Math.max(0, Math.min(n, stored.messageStart() - done));
            message.update(buffer.array(), skip, n - skip);
            done += n;
        }
        if (readFully(channel, stored.payloadOffset() + length, Frame.TRAILER).getInt(0) != (int) all.getValue()) {
            throw new IOException("record checksum mismatch");
        }
        return (int) message.getValue();
    }

    private static ByteBuffer readFully(FileChannel channel, long offset, int length) throws IOException {
        var bytes = ByteBuffer.allocate(length);
        while (bytes.hasRemaining()) {
            if (channel.read(bytes, offset + bytes.position()) < 0) throw new IOException("record cut short");
        }
        return bytes;
    }

    @Override
    public void close() {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
