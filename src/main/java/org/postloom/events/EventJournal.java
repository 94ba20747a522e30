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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The durable event journal: JSON Lines files in {@code <spool>/events/}, appended by one
 * platform thread that writes every line queued since its last turn and forces the file once
 * (group commit, as the spool does), so an outcome's event costs the courier a share of one
 * fsync, not one of its own. A line is handed to readers (the sinks) only once it is forced.
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

    private record Pending(List<byte[]> lines, CompletableFuture<Void> durable) {}

    private static final Pending STOP = new Pending(List.of(), new CompletableFuture<>());

    private final Path dir;
    private final long fileSize;
    private final Supplier<byte[]> header;
    private final LinkedTransferQueue<Pending> queue = new LinkedTransferQueue<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition grown = lock.newCondition();
    private final Thread thread;
    private final List<byte[]> recoveredLines;
    private FileChannel channel;
    private long fileNumber;
    private long offset;
    private long number;
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
        thread = Thread.ofPlatform().name("events-writer").daemon(true).start(this::run);
    }

    /** Opens (or creates) the journal in {@code dir}, cutting off a torn last line. */
    public static EventJournal open(Path dir, long fileSize, Supplier<byte[]> header) throws IOException {
        return new EventJournal(dir, fileSize, header);
    }

    /** The lines of the newest file as found at open (its header first), to rebuild state from. */
    public List<byte[]> recoveredLines() {
        return recoveredLines;
    }

    /** Queues lines (each one JSON object, no newline); completes once they are forced to disk. */
    public CompletableFuture<Void> append(List<byte[]> lines) {
        var pending = new Pending(lines, new CompletableFuture<>());
        if (closing || unhealthy != null) {
            pending.durable().completeExceptionally(new IOException("event journal is " + (closing ? "closed" : "unhealthy"), unhealthy));
        } else {
            queue.offer(pending);
        }
        return pending.durable();
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

    private void run() {
        List<Pending> batch = new ArrayList<>();
        boolean stop = false;
        while (!stop) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                continue;
            }
            queue.drainTo(batch);
            stop = batch.remove(STOP);
            if (!batch.isEmpty()) commit(batch);
            batch.clear();
        }
        for (Pending p; (p = queue.poll()) != null; ) p.durable().completeExceptionally(new IOException("event journal is closed"));
        try {
            channel.close();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "events: closing the journal failed: " + e);
        }
    }

    private void commit(List<Pending> batch) {
        if (unhealthy != null) {
            batch.forEach(p -> p.durable().completeExceptionally(unhealthy));
            return;
        }
        long batchStart = offset;
        long events = 0;
        int bytes = 0;
        try {
            for (Pending p : batch) for (byte[] line : p.lines()) bytes += line.length + 1;
            ByteBuffer buffer = ByteBuffer.allocate(bytes);
            for (Pending p : batch) {
                for (byte[] line : p.lines()) buffer.put(line).put((byte) '\n');
                events += p.lines().size();
            }
            buffer.flip();
            while (buffer.hasRemaining()) channel.write(buffer);
            channel.force(false);
        } catch (IOException | RuntimeException e) {
            fail(batch, batchStart, e);
            return;
        }
        offset += bytes;
        number += events;
        publish();
        batch.forEach(p -> p.durable().complete(null));
        if (offset >= fileSize && number > fileNumber) {
            try {
                begin(number);
                publish();
            } catch (IOException e) {
                LOG.log(Level.WARNING, "events: cannot begin a new journal file, " + path(fileNumber) + " keeps growing: " + e);
            }
        }
    }

    /** Nothing of the batch was promised: cut it off; after a failed fsync go on in a new file. */
    private void fail(List<Pending> batch, long batchStart, Exception e) {
        IOException error = e instanceof IOException io ? io : new IOException(e);
        LOG.log(Level.ERROR, "events: " + batch.size() + " appends not stored in " + path(fileNumber) + ": " + error);
        batch.forEach(p -> p.durable().completeExceptionally(error));
        try {
            channel.truncate(batchStart);
            channel.position(batchStart);
            begin(number);
            publish();
        } catch (IOException r) {
            unhealthy = r;
            LOG.log(Level.ERROR, "events: journal unhealthy, outcomes wait until restart: " + r);
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

    @Override
    public void close() {
        closing = true;
        queue.offer(STOP);
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        lock.lock();
        try {
            grown.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
