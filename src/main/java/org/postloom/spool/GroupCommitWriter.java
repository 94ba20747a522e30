package org.postloom.spool;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedTransferQueue;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * The spool's only writer: one platform thread (file I/O and fsync would pin the carrier of a
 * virtual thread) that takes every record queued since its last turn, writes them as one batch
 * and forces the segment once: group commit. A record's producer is told it is durable only after
 * that force; then the writer updates the {@link Catalog} and publishes new messages.
 *
 * <p>A failed force is never retried: after fsync(2) fails, Linux may have dropped the dirty pages
 * and will not report it again, so a later fsync that succeeds proves nothing. The whole batch
 * fails, the segment is cut back to where the batch began, and writing goes on in a new segment;
 * if none can be made, the spool turns unhealthy and refuses everything until restarted.
 *
 * <p>Compaction copies share the batches of sessions but always open one: a copy takes its
 * recipient states from the catalog when it is written, and the catalog reflects every earlier
 * batch, so no state recorded before the copy can be missing from it.
 */
final class GroupCommitWriter implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(GroupCommitWriter.class.getName());
    private static final long MAX_BATCH_BYTES = 32L << 20;

    private final SegmentDirectory directory;
    private final Catalog catalog;
    private final long segmentSize;
    private final Consumer<QueueEntry> publisher;
    private final LongConsumer onDeleted;
    private final CommitObserver observer;
    private final LinkedTransferQueue<PendingAppend> queue = new LinkedTransferQueue<>();
    private final Thread thread;
    private SegmentAppender appender;
    private volatile long activeSegment;
    private volatile boolean closing;
    private volatile boolean stopped;
    private volatile IOException unhealthy;
    private volatile long appends;
    private volatile long forces;
    private volatile CommitRider rider = CommitRider.NONE;

    GroupCommitWriter(SegmentDirectory directory, Catalog catalog, SegmentAppender appender,
                      long segmentSize, Consumer<QueueEntry> publisher, CommitObserver observer,
                      LongConsumer onDeleted) {
        this.directory = directory;
        this.catalog = catalog;
        this.appender = appender;
        this.activeSegment = appender.segment();
        this.segmentSize = segmentSize;
        this.publisher = publisher;
        this.observer = observer;
        this.onDeleted = onDeleted;
        this.thread = Thread.ofPlatform().name("spool-writer").daemon(true).start(this::run);
    }

    /** Queues a record; the result completes once it is durable, or fails with a SpoolException. */
    CompletableFuture<Void> submit(PendingAppend record) {
        if (closing) {
            record.durable.completeExceptionally(new SpoolException(SpoolException.Kind.FAILED, "spool is closed"));
        } else if (unhealthy != null) {
            record.durable.completeExceptionally(unhealthyError());
        } else {
            queue.offer(record);
            if (stopped) failQueued(); // the writer may have left before it saw this record
        }
        return record.durable;
    }

    /** Has every later commit carry what {@code rider} boards, at the head of its batch. */
    void carry(CommitRider rider) {
        this.rider = rider;
    }

    boolean isHealthy() {
        return unhealthy == null && !closing;
    }

    long appends() {
        return appends;
    }

    long forces() {
        return forces;
    }

    private void run() {
        var batch = new ArrayList<PendingAppend>();
        boolean stop = false;
        PendingAppend carried = null;
        while (!stop) {
            long bytes = 0;
            for (var next = carried != null ? carried : take(); next != null; next = queue.poll()) {
                carried = null;
                if (next == PendingAppend.STOP) {
                    stop = true;
                    break;
                }
                if (next.isCopy() && batch.stream().anyMatch(p -> !p.isCopy())) {
                    carried = next; // a copy opens the next batch
                    break;
                }
                batch.add(next);
                bytes += next.payloadLength();
                if (bytes >= MAX_BATCH_BYTES) break; // bound the latency of the batch's first record
            }
            if (!batch.isEmpty()) commit(batch);
            batch.clear();
        }
        stopped = true;
        failQueued();
        try {
            appender.close();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "spool: closing segment failed: " + e);
        }
    }

    private void commit(List<PendingAppend> batch) {
        if (unhealthy != null) {
            batch.forEach(p -> p.durable.completeExceptionally(unhealthyError()));
            return;
        }
        long batchStart = appender.position();
        long[] payloadOffsets = new long[batch.size()];
        CommitRider carried = rider;
        ByteBuffer boarded = null;
        try {
            boarded = carried.board();
            if (boarded != null) writeRider(boarded);
            for (int i = 0; i < batch.size(); i++) payloadOffsets[i] = write(batch.get(i));
            appender.flush();
        } catch (IOException | RuntimeException e) {
            // Nothing was forced, so nothing was promised: cut back and go on in this segment.
            if (boarded != null) carried.dropped();
            abandon(batch, batchStart, e, false);
            return;
        }
        long forceStart = System.nanoTime();
        try {
            appender.force();
        } catch (IOException | RuntimeException e) {
            if (boarded != null) carried.dropped();
            abandon(batch, batchStart, e, true);
            return;
        }
        if (boarded != null) carried.landed();
        observer.committed(batch.size(), System.nanoTime() - forceStart);
        forces++;
        appends += batch.size();
        long segment = appender.segment();
        for (int i = 0; i < batch.size(); i++) {
            if (payloadOffsets[i] >= 0) publish(catalog.apply(batch.get(i).entry, segment, payloadOffsets[i]));
        }
        catalog.sized(segment, appender.position());
        // Rotation and deletion are rare (once per segment); doing them before the producers
        // resume means a caller sees their effect as soon as its record returns.
        if (appender.position() >= segmentSize) rotateOrWarn();
        reclaim();
        batch.forEach(record -> record.durable.complete(null));
    }

    private void writeRider(ByteBuffer bytes) throws IOException {
        appender.write(Frame.header(Frame.RIDER, bytes.remaining()));
        int checksum = Frame.checksum(bytes);
        appender.write(bytes);
        appender.writeInt(checksum);
    }

    /** Writes one record and returns where its payload starts, or -1 for a copy no longer needed. */
    private long write(PendingAppend record) throws IOException {
        if (record.isCopy() && !record.prepareCopy(catalog)) return -1;
        appender.write(Frame.header(record.type, Math.toIntExact(record.payloadLength())));
        long payloadOffset = appender.position();
        appender.write(ByteBuffer.wrap(record.prefix));
        switch (record.body) {
            case BodyContent.InMemory m -> appender.write(m.bytes(), m.length());
            case BodyContent.Spilled s -> appender.transferFrom(s.file(), s.size());
            case BodyContent.Region r -> appender.transferFrom(r.file(), r.offset(), r.size());
        }
        appender.writeInt(record.payloadChecksum);
        return payloadOffset;
    }

    private void abandon(List<PendingAppend> batch, long batchStart, Exception e, boolean forceFailed) {
        var error = Failures.classify(e instanceof IOException io ? io : new IOException(e));
        LOG.log(Level.ERROR, "spool: batch of " + batch.size() + " records not stored, segment="
                + appender.segment() + " error=" + error.getMessage());
        batch.forEach(p -> p.durable.completeExceptionally(error));
        try {
            appender.truncate(batchStart);
        } catch (IOException t) {
            // Recovery drops a torn tail; an intact record left here was never acknowledged, and
            // is at worst delivered once more (SMTP prefers a duplicate to a loss).
            LOG.log(Level.WARNING, "spool: cannot cut back segment " + appender.segment() + ": " + t);
        }
        if (forceFailed) {
            try {
                rotate();
            } catch (IOException r) {
                unhealthy = r;
                LOG.log(Level.ERROR, "spool: unhealthy, no new segment after a failed fsync: " + r);
            }
        }
    }

    private void rotateOrWarn() {
        try {
            rotate();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "spool: cannot start a new segment, segment " + appender.segment()
                    + " keeps growing: " + e);
        }
    }

    private void rotate() throws IOException {
        // Only the newest segment's riders are handed back at start: the rest must be durable already.
        rider.beforeRotation();
        long next = appender.segment() + 1;
        var channel = directory.create(next);
        catalog.addSegment(next);
        var previous = appender;
        appender = new SegmentAppender(next, channel);
        activeSegment = next;
        catalog.sized(previous.segment(), previous.position());
        catalog.closed(previous.segment(), System.nanoTime());
        try {
            previous.close();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "spool: closing segment " + previous.segment() + " failed: " + e);
        }
    }

    private void reclaim() {
        for (long segment : catalog.reclaimable(appender.segment())) {
            try {
                directory.delete(segment);
                catalog.removeSegment(segment);
                onDeleted.accept(segment);
                LOG.log(Level.DEBUG, "spool: segment " + segment + " deleted, all its messages final");
            } catch (IOException e) {
                LOG.log(Level.WARNING, "spool: cannot delete segment " + segment + ": " + e);
                return; // oldest first, or a crash could revive states without their messages
            }
        }
    }

    /** The segment being appended to; the compactor leaves it alone. */
    long activeSegment() {
        return activeSegment;
    }

    private void publish(QueueEntry message) {
        if (message == null) return;
        try {
            publisher.accept(message);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "spool: publishing " + message.message().queueId() + " failed", e);
        }
    }

    private PendingAppend take() {
        while (true) {
            try {
                return queue.take();
            } catch (InterruptedException e) {
                // only close() stops the writer, by queueing STOP
            }
        }
    }

    private void failQueued() {
        for (var p = queue.poll(); p != null; p = queue.poll()) {
            p.durable.completeExceptionally(new SpoolException(SpoolException.Kind.FAILED, "spool is closed"));
        }
    }

    private SpoolException unhealthyError() {
        return new SpoolException(SpoolException.Kind.FAILED, "spool is unhealthy", unhealthy);
    }

    @Override
    public void close() {
        closing = true;
        queue.offer(PendingAppend.STOP);
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }
}
