package org.postloom.events;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The durable event journal: JSON Lines files in {@code <spool>/events/}. It has no writer thread
 * and no batching of its own: {@link #append} only queues lines, and {@link #force} writes all
 * lines queued so far and forces the file once. The relay has the spool's group-commit writer
 * call {@link #force} at the start of each of its commits ({@code Spool.beforeEachCommit}), and
 * every caller appends its events before it submits the spool record of their outcome, so an
 * event is on disk before its outcome can be; the caller waits once, for the spool's commit
 * (before, it waited for the journal's own commit, then for the spool's, on two threads whose
 * batches did not line up). A line is handed to readers (the sinks) only once it is forced.
 *
 * <p>Why the journal still has its own fsync (one per spool commit that carries events, not per
 * event): an outcome recorded in the spool must never be on disk without its event, and two files
 * give no order between their writes, so the journal must be forced before the spool's batch is
 * written. Dropping that force needs either the events inside the spool's own log (a record type
 * spool recovery would have to skip) or recovery handing back the final recipient states it now
 * forgets, to make lost events again; both change spool recovery, left for later.
 *
 * <p>Each file is named by the number of its first event; a new one begins after
 * {@code fileSize} bytes, opening with a line from {@code header} (state that must outlive the
 * older files, such as attempt counts); lines that begin with <code>{"_</code> are not events.
 * Files that every sink's cursor has passed are deleted by {@link #release}.
 */
public final class EventJournal implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("org.postloom.events");
    private static final String PREFIX = "journal-";
    private static final String SUFFIX = ".jsonl";

    private final Path dir;
    private final long fileSize;
    private final Supplier<byte[]> header;
    /** Lines appended and not yet forced, oldest first; guarded by itself. */
    private final List<byte[]> pending = new ArrayList<>();
    /** Held while forcing: the spool's writer and {@link #close} may both force. */
    private final ReentrantLock writing = new ReentrantLock();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition grown = lock.newCondition();
    private final List<byte[]> recoveredLines;
    private FileChannel channel;
    private long fileNumber;
    private long offset;
    private long number;
    private volatile long forces;
    private volatile JournalPosition end;
    private volatile IOException unhealthy;
    private volatile boolean closing;

    private EventJournal(Path dir, long fileSize, Supplier<byte[]> header) throws IOException {
        this.dir = dir;
        this.fileSize = fileSize;
        this.header = header;
        Files.createDirectories(dir);
        List<Long> files = files();
        if (files.isEmpty()) {
            recoveredLines = List.of();
            begin(0);
        } else {
            fileNumber = files.getLast();
            channel = FileChannel.open(path(fileNumber), StandardOpenOption.READ, StandardOpenOption.WRITE);
            JournalFile.Tail tail = JournalFile.recover(channel);
            recoveredLines = tail.lines();
            offset = tail.length();
            number = fileNumber + tail.events();
            channel.position(offset);
        }
        end = new JournalPosition(fileNumber, offset, number);
    }

    /** Opens (or creates) the journal in {@code dir}, cutting off a torn last line. */
    public static EventJournal open(Path dir, long fileSize, Supplier<byte[]> header) throws IOException {
        return new EventJournal(dir, fileSize, header);
    }

    /** The lines of the newest file as found at open (its header first), to rebuild state from. */
    public List<byte[]> recoveredLines() {
        return recoveredLines;
    }

    /**
     * Queues lines (each one JSON object, no newline); they are durable after the next
     * {@link #force}, which the caller's next spool commit runs before it writes anything.
     */
    public void append(List<byte[]> lines) throws IOException {
        if (closing || unhealthy != null) throw new IOException("event journal is " + (closing ? "closed" : "unhealthy"), unhealthy);
        synchronized (pending) {
            pending.addAll(lines);
        }
    }

    /**
     * Writes every line queued so far and forces the file once; nothing to do if none is queued.
     * On failure the lines stay queued and go into a new file at the next force (a failed fsync
     * is never retried on the same file: Linux may have dropped its dirty pages), and the
     * exception fails the spool's batch, so no outcome of this turn is recorded without its event.
     */
    public void force() throws IOException {
        writing.lock();
        try {
            // Checked first: once unhealthy (its queued lines dropped) every later batch must fail,
            // or an outcome appended just before would be recorded without its event.
            if (unhealthy != null) throw new IOException("event journal is unhealthy", unhealthy);
            List<byte[]> lines;
            synchronized (pending) {
                if (pending.isEmpty()) return;
                lines = List.copyOf(pending);
                pending.clear();
            }
            if (closing) throw new IOException("event journal is closed");
            write(lines);
        } finally {
            writing.unlock();
        }
    }

    private void write(List<byte[]> lines) throws IOException {
        long start = offset;
        int bytes = 0;
        for (byte[] line : lines) bytes += line.length + 1;
        try {
            ByteBuffer buffer = ByteBuffer.allocate(bytes);
            for (byte[] line : lines) buffer.put(line).put((byte) '\n');
            buffer.flip();
            while (buffer.hasRemaining()) channel.write(buffer);
            channel.force(false);
        } catch (IOException | RuntimeException e) {
            fail(lines, start, e);
            throw e instanceof IOException io ? io : new IOException(e);
        }
        forces++;
        offset += bytes;
        number += lines.size();
        publish();
        if (offset >= fileSize && number > fileNumber) {
            try {
                begin(number);
                publish();
            } catch (IOException e) {
                LOG.log(Level.WARNING, "events: cannot begin a new journal file, " + path(fileNumber) + " keeps growing: " + e);
            }
        }
    }

    /** Nothing of {@code lines} was promised: cut them off, queue them again, go on in a new file. */
    private void fail(List<byte[]> lines, long start, Exception e) {
        LOG.log(Level.ERROR, "events: " + lines.size() + " events not stored in " + path(fileNumber) + ": " + e);
        synchronized (pending) {
            pending.addAll(0, lines);
        }
        try {
            channel.truncate(start);
            channel.position(start);
            begin(number);
            publish();
        } catch (IOException r) {
            unhealthy = r;
            synchronized (pending) {
                pending.clear();
            }
            LOG.log(Level.ERROR, "events: journal unhealthy, outcomes wait until restart: " + r);
        }
    }

    /** Forces so far, for tests and metrics: at most one per spool commit that carried events. */
    public long forces() {
        return forces;
    }

    /** Where the durable lines end now. */
    public JournalPosition end() {
        return end;
    }

    /** The oldest position still on disk. */
    public JournalPosition start() {
        List<Long> files = files();
        long first = files.isEmpty() ? end.file() : files.getFirst();
        return new JournalPosition(first, 0, first);
    }

    /** Waits until the durable end passes {@code number}, or the time is up; true if it did. */
    boolean awaitBeyond(long number, long timeout, TimeUnit unit) throws InterruptedException {
        long nanos = unit.toNanos(timeout);
        lock.lock();
        try {
            while (end.number() <= number && nanos > 0 && !closing) nanos = grown.awaitNanos(nanos);
            return end.number() > number;
        } finally {
            lock.unlock();
        }
    }

    Path path(long file) {
        return dir.resolve(PREFIX + String.format("%020d", file) + SUFFIX);
    }

    /** Journal files by their first event number, oldest first. */
    List<Long> files() {
        try (var stream = Files.list(dir)) {
            return stream.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith(PREFIX) && n.endsWith(SUFFIX))
                    .map(n -> Long.parseLong(n.substring(PREFIX.length(), n.length() - SUFFIX.length())))
                    .sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Deletes the files wholly before {@code oldestNeeded} (the least of the sinks' durable cursors). */
    public synchronized void release(JournalPosition oldestNeeded) {
        for (long file : files()) {
            if (file >= oldestNeeded.file() || file >= end.file()) return;
            try {
                Files.deleteIfExists(path(file));
            } catch (IOException e) {
                LOG.log(Level.WARNING, "events: cannot delete journal file " + path(file) + ": " + e);
                return;
            }
        }
    }

    private void begin(long first) throws IOException {
        Path path = path(first);
        FileChannel next = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
        byte[] head = header.get();
        if (head != null) {
            ByteBuffer b = ByteBuffer.allocate(head.length + 1).put(head).put((byte) '\n').flip();
            while (b.hasRemaining()) next.write(b);
        }
        next.force(false);
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true); // the new name must survive a crash before its lines are promised
        }
        if (channel != null) channel.close();
        channel = next;
        fileNumber = first;
        offset = next.position();
    }

    private void publish() {
        lock.lock();
        try {
            end = new JournalPosition(fileNumber, offset, number);
            grown.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Forces what is still queued (the spool has stopped by now), then wakes the readers. */
    @Override
    public void close() {
        try {
            force();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "events: closing the journal, last events not stored: " + e);
        }
        closing = true;
        writing.lock();
        try {
            channel.close();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "events: closing the journal failed: " + e);
        } finally {
            writing.unlock();
        }
        lock.lock();
        try {
            grown.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
