package org.postloom.events;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.postloom.spool.CommitRider;

/**
 * The durable event journal: JSON Lines files in {@code <spool>/events/}. It has no writer thread
 * and no fsync of its own on the way of an outcome: {@link #append} only queues lines, and the
 * spool's group-commit writer carries them ({@link CommitRider}): it takes every line queued so
 * far into the batch it is about to write ({@link #board}), so they are durable in the spool's
 * segment with the same write and fsync as the batch, and once that fsync returns the journal
 * copies them to its file without forcing it ({@link #landed}) and hands them to readers (the
 * sinks). Every caller appends its events before it submits the spool record of their outcome,
 * so an event is durable no later than its outcome, and the caller waits for one commit.
 *
 * <p>The journal's file is forced only when the spool leaves a segment ({@link #beforeRotation}),
 * when the journal begins a new file, and at close; so only the spool's newest segment can hold
 * events whose journal copy a crash (of the machine: a killed process loses nothing written) may
 * have taken. At open the journal takes that segment's riders ({@code Spool.riders()}) and writes
 * again, byte for byte, every event after its own durable end: the same numbers at the same
 * offsets, so the sinks' cursors stay true and a consumer dedupes what it already had by id.
 *
 * <p>A rider is {@code u64 number of its first event}, then its lines, each ended by a newline.
 *
 * <p>Each file is named by the number of its first event; a new one begins after
 * {@code fileSize} bytes, opening with a line from {@code header} (state that must outlive the
 * older files, such as attempt counts); lines that begin with <code>{"_</code> are not events.
 * Files that every sink's cursor has passed are deleted by {@link #release}.
 */
public final class EventJournal implements CommitRider, AutoCloseable {

    private static final System.Logger LOG = System.getLogger("org.postloom.events");
    private static final String PREFIX = "journal-";
    private static final String SUFFIX = ".jsonl";

    private final Path dir;
    private final long fileSize;
    private final Supplier<byte[]> header;
    /** Lines appended and not yet boarded, oldest first; guarded by itself. */
    private final List<byte[]> pending = new ArrayList<>();
    /** Held while using the file: the spool's writer and {@link #close} may both. */
    private final ReentrantLock writing = new ReentrantLock();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition grown = lock.newCondition();
    private final List<byte[]> recoveredLines;
    private FileChannel channel;
    private long fileNumber;
    private long offset;
    private long number;
    /** What the spool's batch under way carries: its lines, and the rider made of them. */
    private List<byte[]> boarded;
    private ByteBuffer rider;
    /** Lines written to the file since it was last forced. */
    private boolean unforced;
    private volatile long forces;
    private volatile JournalPosition end;
    private volatile IOException unhealthy;
    private volatile boolean closing;

    private EventJournal(Path dir, long fileSize, Supplier<byte[]> header, List<byte[]> riders) throws IOException {
        this.dir = dir;
        this.fileSize = fileSize;
        this.header = header;
        Files.createDirectories(dir);
        List<Long> files = files();
        if (files.isEmpty()) {
            recoveredLines = new ArrayList<>();
            begin(0);
        } else {
            fileNumber = files.getLast();
            channel = FileChannel.open(path(fileNumber), StandardOpenOption.READ, StandardOpenOption.WRITE);
            JournalFile.Tail tail = JournalFile.recover(channel);
            recoveredLines = new ArrayList<>(tail.lines());
            offset = tail.length();
            number = fileNumber + tail.events();
            channel.position(offset);
        }
        remake(riders);
        end = new JournalPosition(fileNumber, offset, number);
    }

    /**
     * Opens (or creates) the journal in {@code dir}, cutting off a torn last line, then writes
     * again the events of {@code riders} (the spool's newest segment's) that its file lacks.
     */
    public static EventJournal open(Path dir, long fileSize, Supplier<byte[]> header, List<byte[]> riders) throws IOException {
        return new EventJournal(dir, fileSize, header, riders);
    }

    /** The lines of the newest file as found at open (its header first), to rebuild state from. */
    public List<byte[]> recoveredLines() {
        return recoveredLines;
    }

    /**
     * Queues lines (each one JSON object, no newline); they are durable after the next spool
     * commit, which boards them before it writes anything.
     */
    public void append(List<byte[]> lines) throws IOException {
        if (closing || unhealthy != null) throw new IOException("event journal is " + (closing ? "closed" : "unhealthy"), unhealthy);
        synchronized (pending) {
            pending.addAll(lines);
        }
    }

    /** Every line queued so far, as one rider for the spool's batch; null if none is queued. */
    @Override
    public ByteBuffer board() throws IOException {
        // Checked first: once unhealthy every later batch must fail, or an outcome appended
        // just before would be recorded without its event.
        if (unhealthy != null) throw new IOException("event journal is unhealthy", unhealthy);
        if (closing) throw new IOException("event journal is closed");
        synchronized (pending) {
            if (pending.isEmpty()) return null;
            boarded = List.copyOf(pending);
            pending.clear();
        }
        int bytes = Long.BYTES;
        for (byte[] line : boarded) bytes += line.length + 1;
        ByteBuffer buffer = ByteBuffer.allocate(bytes).putLong(number);
        for (byte[] line : boarded) buffer.put(line).put((byte) '\n');
        rider = buffer.flip();
        return rider.duplicate();
    }

    /**
     * The spool's batch is durable: its lines go to the file, unforced, and to the readers. A
     * file that cannot take them is forced and left for a new one, which gets them; if that
     * fails too, the journal turns unhealthy: every later batch fails until a restart, which
     * writes them again from the spool's newest segment (kept there by {@link #beforeRotation}).
     */
    @Override
    public void landed() {
        writing.lock();
        try {
            ByteBuffer lines = rider.position(Long.BYTES);
            int count = boarded.size();
            boarded = null;
            rider = null;
            try {
                write(lines.duplicate());
            } catch (IOException e) {
                LOG.log(Level.ERROR, "events: " + count + " events not written to " + path(fileNumber) + ", going on in a new file: " + e);
                channel.truncate(offset);
                force();
                begin(number);
                write(lines.duplicate());
            }
            offset += lines.remaining();
            number += count;
            publish();
            if (offset >= fileSize && number > fileNumber) {
                force();
                try {
                    begin(number);
                    publish();
                } catch (IOException e) {
                    LOG.log(Level.WARNING, "events: cannot begin a new journal file, " + path(fileNumber) + " keeps growing: " + e);
                }
            }
        } catch (IOException | RuntimeException e) {
            turnUnhealthy(e);
        } finally {
            writing.unlock();
        }
    }

    private void turnUnhealthy(Exception e) {
        unhealthy = e instanceof IOException io ? io : new IOException(e);
        LOG.log(Level.ERROR, "events: journal unhealthy, outcomes wait until restart, which makes the events again "
                + "from the spool: " + e);
    }

    /** The spool's batch failed: its lines were not stored, and go first into the next one. */
    @Override
    public void dropped() {
        synchronized (pending) {
            pending.addAll(0, boarded);
        }
        boarded = null;
        rider = null;
    }

    /**
     * The spool leaves its segment: everything landed so far must be durable in the file. A
     * failed force is never retried (Linux may have dropped the dirty pages): the journal turns
     * unhealthy, so the spool stays in its segment, whose riders the restart makes again.
     */
    @Override
    public void beforeRotation() throws IOException {
        writing.lock();
        try {
            if (unhealthy != null) throw new IOException("event journal is unhealthy", unhealthy);
            force();
        } catch (IOException e) {
            if (unhealthy == null) turnUnhealthy(e);
            throw e;
        } finally {
            writing.unlock();
        }
    }

    /**
     * Writes again, at the durable end, the events of {@code riders} the file lacks, then forces:
     * what a crash of the machine took from the file's unforced end.
     */
    private void remake(List<byte[]> riders) throws IOException {
        long made = 0;
        for (byte[] found : riders) {
            long n = ByteBuffer.wrap(found).getLong();
            if (n > number) {
                // Only if the journal lost more than its unforced end (its files were removed):
                // the events still go to the sinks, numbered on from the journal's end.
                LOG.log(Level.WARNING, "events: the journal ends at event " + number + " but the spool's newest segment "
                        + "goes on from event " + n + "; the events before it are lost, the rest are numbered from " + number);
                n = number;
            }
            for (int start = Long.BYTES, i = start; i < found.length; i++) {
                if (found[i] != '\n') continue;
                if (n++ == number) {
                    write(ByteBuffer.wrap(found, start, i + 1 - start));
                    offset += i + 1 - start;
                    number++;
                    made++;
                    recoveredLines.add(Arrays.copyOfRange(found, start, i));
                }
                start = i + 1;
            }
        }
        if (made == 0) return;
        force();
        LOG.log(Level.INFO, "events: " + made + " events made again from the spool's newest segment");
    }

    private void write(ByteBuffer bytes) throws IOException {
        unforced = true;
        while (bytes.hasRemaining()) channel.write(bytes);
    }

    /** Forces the file if anything was written to it since it was last forced. */
    private void force() throws IOException {
        if (!unforced) return;
        channel.force(false);
        unforced = false;
        forces++;
    }

    /** Forces of the journal's files so far, for tests: none per commit; one as the spool leaves a segment, as a file ends, after a restart's making again, and at close. */
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

    /** Begins the file of event {@code first}; the current one must be forced already. */
    private void begin(long first) throws IOException {
        Path path = path(first);
        FileChannel next = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            byte[] head = header.get();
            if (head != null) {
                ByteBuffer b = ByteBuffer.allocate(head.length + 1).put(head).put((byte) '\n').flip();
                while (b.hasRemaining()) next.write(b);
            }
            next.force(false);
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true); // the new name must survive a crash before its lines are promised
            }
        } catch (IOException | RuntimeException e) {
            // Left behind, it would be taken for the newest file at the next start.
            next.close();
            Files.deleteIfExists(path);
            throw e;
        }
        if (channel != null) channel.close();
        channel = next;
        fileNumber = first;
        number = first;
        offset = next.position();
        unforced = false;
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

    /**
     * Forces what landed, then wakes the readers. The spool has stopped by now: lines still
     * queued belong to outcomes it refused to record, so they are dropped with them.
     */
    @Override
    public void close() {
        writing.lock();
        try {
            closing = true;
            force();
            int left;
            synchronized (pending) {
                left = pending.size();
                pending.clear();
            }
            if (left > 0) LOG.log(Level.INFO, "events: " + left + " events of outcomes the spool did not record dropped at close");
            channel.close();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "events: closing the journal, last events not stored: " + e);
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
