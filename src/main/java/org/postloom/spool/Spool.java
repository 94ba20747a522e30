package org.postloom.spool;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.FileStore;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.postloom.intake.MessageStore;
import org.postloom.mail.Envelope;
import org.postloom.mail.QueueId;

/**
 * The durable spool: an append-only log of segment files in one directory, written by a single
 * {@link GroupCommitWriter} that shares each fsync among every session committing at that moment.
 * A message is acknowledged (250) only after the force that covers it; a crash loses nothing that
 * was acknowledged, and {@link #open} rebuilds the queue from the segments.
 *
 * <p>Sessions use the {@link MessageStore} seam. The delivery engine receives each message once it
 * is durable (and each live message found at start) through the consumer given to {@link #open},
 * as a {@link QueueEntry} without its envelope; it reads the envelope back with {@link #message}
 * and the body with {@link #openBody} when it is about to send, and records outcomes with
 * {@link #record}. A background {@link Compactor} rewrites the live messages of mostly-final
 * segments so that the files stay in proportion to the live mail. The consumer
 * runs on the recovery thread for recovered messages and on the writer thread for new ones, at
 * the same time: it must only hand the message on (a lock-free inbox), never block.
 */
public final class Spool implements MessageStore, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Spool.class.getName());

    private final SpoolOptions options;
    private final SegmentDirectory directory;
    private final FileStore fileStore;
    private final Catalog catalog;
    private final QueueIds queueIds;
    private final CompletableFuture<RecoveryReport> recovery = new CompletableFuture<>();
    private final AtomicBoolean recoveryBegun = new AtomicBoolean();
    private final Unread unread;
    /** The riders of the newest segment found at start, for their owner to take back once. */
    private List<byte[]> riders;
    private final GroupCommitWriter writer;
    private final SegmentReaders readers;
    private final Compactor compactor;

    /** The segments found at start, read by {@link #beginRecovery()}, and whom to tell of their messages. */
    private record Unread(List<Long> segments, long truncatedBytes, Consumer<QueueEntry> onRecovered) { }

    private Spool(SpoolOptions options, SegmentDirectory directory, FileStore fileStore, Catalog catalog,
                  GroupCommitWriter writer, SegmentReaders readers, Unread unread, List<byte[]> riders) {
        this.options = options;
        this.riders = riders;
        this.unread = unread;
        this.directory = directory;
        this.fileStore = fileStore;
        this.catalog = catalog;
        this.queueIds = new QueueIds(options.clock());
        this.writer = writer;
        this.readers = readers;
        this.compactor = new Compactor(directory, catalog, writer, options.compactionBandwidth(),
                this::usableSpace, options.minFreeSpace());
    }

    /**
     * Opens (or creates) the spool in {@code dir}, recovers its live messages, passes each to
     * {@code onDurable}, and starts the writer. Returns once recovery is complete.
     */
    public static Spool open(Path dir, SpoolOptions options, Consumer<QueueEntry> onDurable) throws IOException {
        return open(dir, options, onDurable, CommitObserver.NONE);
    }

    /** As {@link #open(Path, SpoolOptions, Consumer)}, telling {@code observer} about each group commit. */
    public static Spool open(Path dir, SpoolOptions options, Consumer<QueueEntry> onDurable,
                             CommitObserver observer) throws IOException {
        var spool = start(dir, options, onDurable, observer);
        try {
            spool.beginRecovery();
            spool.awaitRecovery();
            return spool;
        } catch (IOException | RuntimeException e) {
            spool.close();
            throw e;
        }
    }

    /**
     * Opens (or creates) the spool in {@code dir} and returns as soon as it takes new messages;
     * {@link #beginRecovery()} then recovers the live queue in the background (see
     * {@link Recovery}), and each recovered message reaches {@code onDurable} once every segment
     * has been read; {@link #recovery()} completes then. New messages go to a segment of their
     * own, after the recovered ones, and reach {@code onDurable} once durable, as always.
     */
    public static Spool start(Path dir, SpoolOptions options, Consumer<QueueEntry> onDurable,
                              CommitObserver observer) throws IOException {
        var directory = new SegmentDirectory(dir);
        var fileStore = Files.getFileStore(directory.dir());
        directory.clearIncoming();
        var catalog = new Catalog();
        var found = new ArrayList<>(directory.segments());
        var tail = found.isEmpty() ? new Recovery.Tail(0, List.of()) : Recovery.cutTornTail(directory, found.getLast());
        if (found.size() >= 2 && Files.size(directory.path(found.getLast())) == 0) {
            // The newest is empty (begun by a start that went no further, or by a rotation): the
            // riders not yet made durable by their owner are still in the one before it.
            tail = new Recovery.Tail(tail.truncated(), Recovery.riders(directory, found.get(found.size() - 2)));
        }
        found.forEach(catalog::addSegment);
        long active;
        FileChannel channel;
        if (!found.isEmpty() && Files.size(directory.path(found.getLast())) == 0) {
            active = found.removeLast(); // nothing in it to recover: appending starts there
            channel = directory.openForAppend(active);
        } else {
            active = found.isEmpty() ? 1 : found.getLast() + 1;
            channel = directory.create(active);
            catalog.addSegment(active);
        }
        var readers = new SegmentReaders(directory);
        var writer = new GroupCommitWriter(directory, catalog, new SegmentAppender(active, channel),
                options.segmentSize(), onDurable, observer, readers::deleted);
        return new Spool(options, directory, fileStore, catalog, writer, readers,
                new Unread(List.copyOf(found), tail.truncated(), onDurable), tail.riders());
    }

    /**
     * Starts reading the segments found at {@link #start} on a thread of its own. The relay calls
     * it once its listeners are up, so that the start itself does not share the CPU with it.
     */
    public void beginRecovery() {
        if (recoveryBegun.compareAndSet(false, true)) {
            Recovery.start(directory, catalog, unread.segments(), unread.truncatedBytes(), unread.onRecovered(),
                    writer::isHealthy, recovery);
        }
    }

    @Override
    public QueueId newQueueId() {
        return queueIds.next();
    }

    @Override
    public Reception receive(Envelope envelope) throws SpoolException {
        if (!writer.isHealthy()) {
            throw new SpoolException(SpoolException.Kind.FAILED, "spool is unhealthy or closed");
        }
        checkRoom();
        return new SpoolReception(envelope, options, directory, writer);
    }

    /** Whether a new message would be taken now: the check behind an early 452 at MAIL. */
    @Override
    public boolean hasRoom() {
        try {
            checkRoom();
            return writer.isHealthy();
        } catch (SpoolException e) {
            return false;
        }
    }

    private void checkRoom() throws SpoolException {
        if (catalog.liveCount() >= options.maxMessages()) {
            throw new SpoolException(SpoolException.Kind.FULL, "queue full: " + catalog.liveCount() + " messages");
        }
        try {
            long usable = fileStore.getUsableSpace();
            if (usable < options.minFreeSpace()) {
                throw new SpoolException(SpoolException.Kind.FULL, "spool disk nearly full: " + usable + " bytes free");
            }
        } catch (IOException e) {
            throw Failures.classify(e);
        }
    }

    private long usableSpace() {
        try {
            return fileStore.getUsableSpace();
        } catch (IOException e) {
            return Long.MAX_VALUE; // no pressure we can see; refusals at MAIL report the error
        }
    }

    /** Records one recipient's outcome; returns once it is durable. */
    public void record(QueueId id, int recipient, RecipientState state) throws SpoolException {
        recordAll(id, Map.of(recipient, state));
    }

    /**
     * Records several recipients' outcomes (say, after one SMTP transaction); they share the
     * writer's next fsync. Returns once all are durable. Outcomes for a message no longer queued,
     * or for a recipient already final, have no effect.
     */
    public void recordAll(QueueId id, Map<Integer, RecipientState> states) throws SpoolException {
        var stored = catalog.get(id);
        if (stored == null) return;
        for (int recipient : states.keySet()) {
            Objects.checkIndex(recipient, stored.states().size());
        }
        var pending = new ArrayList<CompletableFuture<Void>>();
        states.forEach((recipient, state) -> pending.add(
                writer.submit(PendingAppend.recipientState(new LogEntry.RecipientChanged(id, recipient, state)))));
        Failures.awaitDurable(CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)));
    }

    /** Where each recipient of a live message stands, from memory (no disk read); empty once it is final. */
    public Optional<List<RecipientState>> recipientStates(QueueId id) {
        return Optional.ofNullable(catalog.get(id)).map(Catalog.Stored::states);
    }

    /**
     * A live message as it stands now, its envelope read back from disk (one positional read), or
     * empty once it is final (or was never queued).
     *
     * @throws UncheckedIOException if the envelope cannot be read
     */
    public Optional<SpooledMessage> message(QueueId id) {
        for (int attempt = 1; ; attempt++) {
            var stored = catalog.get(id);
            if (stored == null) return Optional.empty();
            try {
                byte[] envelope = readers.read(stored.segment(), stored.messageOffset() + 4, stored.envelopeLength());
                return Optional.of(new SpooledMessage(EntryCodec.decodeEnvelope(envelope), stored.states(),
                        stored.ref().bodySize()));
            } catch (NoSuchFileException | ClosedChannelException moved) {
                if (attempt == 3) throw new UncheckedIOException(moved); // compaction moved it: look again
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the envelope of " + id, e);
            }
        }
    }

    /** Every live message, in queue-id (roughly arrival) order; reads every envelope, so for small queues. */
    public List<SpooledMessage> messages() {
        return catalog.entries().stream()
                .sorted(Comparator.comparing(e -> e.message().queueId().value()))
                .flatMap(e -> message(e.message().queueId()).stream())
                .toList();
    }

    /** When the oldest live message arrived, if any (a scan of the index, no disk reads). */
    public Optional<Instant> oldestArrival() {
        return catalog.live().stream().mapToLong(s -> s.ref().arrivalMillis()).min().stream()
                .mapToObj(Instant::ofEpochMilli).findFirst();
    }

    /** The body of a live message, exactly as the session wrote it. */
    public InputStream openBody(QueueId id) throws IOException {
        for (int attempt = 1; ; attempt++) {
            var stored = catalog.get(id);
            if (stored == null) throw new NoSuchElementException("no queued message " + id);
            try {
                return new BodyInputStream(directory.path(stored.segment()), stored.bodyOffset(), stored.ref().bodySize());
            } catch (NoSuchFileException moved) {
                if (attempt == 3) throw moved; // compaction moved it and deleted the segment: look again
            }
        }
    }

    /** Bytes of every file in the spool directory: segments, bodies being received, key material. */
    public long diskBytes() {
        try (Stream<Path> files = Files.walk(directory.dir(), 2)) {
            return files.mapToLong(f -> {
                try {
                    return Files.isRegularFile(f) ? Files.size(f) : 0;
                } catch (IOException gone) {
                    return 0; // deleted while we looked
                }
            }).sum();
        } catch (IOException | UncheckedIOException e) {
            return -1;
        }
    }

    /** What recovery found; completes once every recovered message has been handed on. */
    public CompletableFuture<RecoveryReport> recovery() {
        return recovery;
    }

    /** Waits for recovery; its failure (an unreadable record) as the IOException it was. */
    public RecoveryReport awaitRecovery() throws IOException {
        try {
            return recovery.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof IOException io) throw io;
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw e;
        }
    }

    /**
     * Has every later group commit carry what {@code rider} boards, in the same write and fsync
     * as the batch (the event journal's lines: durable no later than their outcomes).
     */
    public void carry(CommitRider rider) {
        writer.carry(rider);
    }

    /**
     * The riders of the newest segment with anything in it found at start, oldest first: the
     * writer tells their owner before it leaves a segment ({@link CommitRider#beforeRotation}), and
     * every start begins a segment of its own, so no older segment can hold riders the owner has
     * not made durable itself. Handed out once, then forgotten.
     */
    public synchronized List<byte[]> riders() {
        List<byte[]> found = riders;
        riders = List.of();
        return found;
    }

    /** False after a failed fsync left no segment to write to, or after {@link #close()}. */
    public boolean isHealthy() {
        return writer.isHealthy();
    }

    public SpoolStats stats() {
        return new SpoolStats(writer.appends(), writer.forces(), catalog.segmentCount(), catalog.liveCount(),
                compactor.compactedBytes());
    }

    /** Finishes every commit already queued, then stops the writer; later commits fail with 451. */
    @Override
    public void close() {
        compactor.close();
        writer.close();
        readers.close();
        LOG.log(Level.DEBUG, "spool: closed " + directory.dir());
    }
}
