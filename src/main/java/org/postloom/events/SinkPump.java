package org.postloom.events;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Moves one sink's events from the journal to the sink, on its own thread: keeps up to
 * {@link EventSink#inFlight()} batches under way, resends a failed batch after a capped
 * exponential back-off, and moves the cursor only across the leading batches that completed
 * (so a batch that fails while later ones succeed is sent again, never skipped). The cursor is
 * stored at most every {@link #STORE_EVERY} while events flow. Delivery never waits on this.
 */
final class SinkPump implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("org.postloom.events");
    private static final Duration MIN_BACKOFF = Duration.ofMillis(250);
    private static final long STORE_EVERY = TimeUnit.MILLISECONDS.toNanos(200);
    private static final long WARN_EVERY = TimeUnit.MINUTES.toNanos(1);
    private static final long LINGER = TimeUnit.MILLISECONDS.toNanos(100);

    private final class Sending {
        final JournalReader.Batch batch;
        CompletableFuture<Void> result;
        int failures;
        long retryAt;

        Sending(JournalReader.Batch batch) {
            this.batch = batch;
            this.result = sink.send(batch.events());
        }
    }

    private final EventSink sink;
    private final EventJournal journal;
    private final JournalReader reader;
    private final Cursor cursor;
    private final Duration maxBackoff;
    private final Consumer<SinkPump> onStored;
    private final ArrayDeque<Sending> window = new ArrayDeque<>();
    /** Events read but not yet sent, and the position after the last of them. */
    private final List<byte[]> gathering = new java.util.ArrayList<>();
    private JournalPosition gatheredTo;
    private long gatheringSince;
    private final Thread thread;
    private volatile JournalPosition acked;
    private volatile boolean running = true;
    private long lastStore;
    private long lastWarning = System.nanoTime() - WARN_EVERY;

    SinkPump(EventSink sink, EventJournal journal, Cursor cursor, JournalPosition from, Duration maxBackoff,
             Consumer<SinkPump> onStored) {
        this.sink = sink;
        this.journal = journal;
        this.cursor = cursor;
        this.reader = new JournalReader(journal, from);
        this.acked = from;
        this.maxBackoff = maxBackoff;
        this.onStored = onStored;
        this.thread = Thread.ofPlatform().name("events-" + sink.name()).daemon(true).unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    String name() {
        return sink.name();
    }

    /** Events durable in the journal that the sink has not confirmed. */
    long backlog() {
        return Math.max(0, journal.end().number() - acked.number());
    }

    Cursor cursor() {
        return cursor;
    }

    private void run() {
        while (running) {
            try {
                fill();
                retryFailed();
                advance();
                storeCursor(false);
            } catch (InterruptedException e) {
                break;
            } catch (IOException | RuntimeException e) {
                warn("reading the journal failed: " + e);
                pause(1000);
            }
        }
        try {
            finishWindow();
            storeCursor(true);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "events: cannot store the cursor of sink=" + sink.name() + ": " + e);
        }
    }

    /**
     * Reads events into the next batch and sends it once it is full, or once its first event has
     * waited {@link #LINGER}: a steady trickle then costs a POST (or an fsync of the file) per
     * batch, not per event, while a lone event still leaves within the linger time.
     */
    private void fill() throws IOException, InterruptedException {
        while (window.size() < sink.inFlight() && running) {
            int room = sink.batchSize() - gathering.size();
            long waited = gathering.isEmpty() ? 0 : System.nanoTime() - gatheringSince;
            long wait = window.isEmpty() ? TimeUnit.NANOSECONDS.toMillis(Math.max(0, LINGER - waited)) : 0;
            // Empty: wake at the first event, which starts the linger; gathering: at a full batch or the linger's end.
            JournalReader.Batch batch = reader.next(room, gathering.isEmpty() ? 1 : room,
                    Math.max(wait, gathering.isEmpty() && window.isEmpty() ? 200 : 0), TimeUnit.MILLISECONDS);
            if (!batch.events().isEmpty()) {
                if (gathering.isEmpty()) gatheringSince = System.nanoTime();
                gathering.addAll(batch.events());
                gatheredTo = batch.end();
            }
            boolean full = gathering.size() >= sink.batchSize();
            boolean ripe = !gathering.isEmpty() && System.nanoTime() - gatheringSince >= LINGER;
            if (!full && !ripe) return;
            window.add(new Sending(new JournalReader.Batch(List.copyOf(gathering), gatheredTo)));
            gathering.clear();
        }
    }

    private void retryFailed() {
        long now = System.nanoTime();
        for (Sending s : window) {
            if (!s.result.isCompletedExceptionally()) continue;
            if (s.retryAt == 0) {
                s.failures++;
                long backoff = Math.min(maxBackoff.toNanos(), MIN_BACKOFF.toNanos() << Math.min(20, s.failures - 1));
                s.retryAt = now + backoff;
                warn(cause(s.result));
            } else if (now - s.retryAt >= 0) {
                s.retryAt = 0;
                s.result = sink.send(s.batch.events());
            }
        }
    }

    /** Takes the completed batches off the head; waits a little for the head when nothing moved. */
    private void advance() throws InterruptedException {
        Sending head = window.peek();
        if (head == null) return;
        if (!head.result.isDone()) {
            try {
                head.result.get(50, TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                return; // retried by retryFailed, or still under way
            }
        } else if (head.result.isCompletedExceptionally()) {
            pause(20); // waiting for its retry
            return;
        }
        while (!window.isEmpty() && window.peek().result.isDone() && !window.peek().result.isCompletedExceptionally()) {
            acked = window.poll().batch.end();
        }
    }

    /** Stopping: batches under way get a moment to be confirmed, so a restart sends fewer again. */
    private void finishWindow() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        try {
            while (!window.isEmpty() && !window.peek().result.isCompletedExceptionally() && System.nanoTime() < deadline) advance();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void storeCursor(boolean now) throws IOException {
        if (acked.equals(cursor.stored())) return;
        long t = System.nanoTime();
        if (!now && t - lastStore < STORE_EVERY) return;
        cursor.store(acked);
        lastStore = t;
        onStored.accept(this);
    }

    private void warn(String why) {
        long now = System.nanoTime();
        if (now - lastWarning < WARN_EVERY) return;
        lastWarning = now;
        LOG.log(Level.WARNING, "events-sink-failing sink=" + sink.name() + " backlog=" + backlog() + " error=\"" + why + "\"");
    }

    private static String cause(CompletableFuture<Void> failed) {
        try {
            failed.join();
            return "none";
        } catch (RuntimeException e) {
            Throwable c = e.getCause() == null ? e : e.getCause();
            return String.valueOf(c.getMessage() == null ? c.toString() : c.getMessage()).replace('"', '\'');
        }
    }

    private void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops after the batches under way end (or a few seconds), storing how far the sink got. */
    @Override
    public void close() {
        running = false; // no interrupt: it would close a file channel under the file sink's write
        try {
            thread.join(5000);
            reader.close();
        } catch (InterruptedException | IOException e) {
            LOG.log(Level.WARNING, "events: stopping sink=" + sink.name() + ": " + e);
        }
        sink.close();
    }
}
