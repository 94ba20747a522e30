package org.postloom.events;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One sink's way through the journal, from its cursor forward, seeing only lines durable in the spool. Used by
 * one thread (the sink's pump).
 */
final class JournalReader implements AutoCloseable {

    /** Events read, and the position just after the last of them. */
    record Batch(List<byte[]> events, JournalPosition end) {}

    private final EventJournal journal;
    private JournalPosition position;
    private FileChannel channel;

    JournalReader(EventJournal journal, JournalPosition from) {
        this.journal = journal;
        this.position = from;
    }

    JournalPosition position() {
        return position;
    }

    /** Up to {@code max} events after the current position, waiting up to {@code wait} for the first. */
    Batch next(int max, long wait, TimeUnit unit) throws IOException, InterruptedException {
        return next(max, 1, wait, unit);
    }

    /**
     * Up to {@code max} events after the current position, waiting up to {@code wait} until at
     * least {@code atLeast} are durable, then taking whatever is there (possibly none). A pump
     * that gathers a batch asks for the rest of it, so it wakes once per batch or linger, not once
     * per spool commit (hundreds a second under load).
     */
    Batch next(int max, int atLeast, long wait, TimeUnit unit) throws IOException, InterruptedException {
        if (wait > 0 && journal.end().number() - position.number() < atLeast) {
            journal.awaitBeyond(position.number() + atLeast - 1, wait, unit);
        }
        while (true) {
            JournalPosition end = journal.end();
            if (position.file() == end.file() && position.offset() >= end.offset()) return new Batch(List.of(), position);
            if (channel == null) channel = open(position.file());
            boolean newest = position.file() == end.file();
            long limit = newest ? end.offset() : channel.size();
            if (position.offset() >= limit) {
                // This file is complete and read: the next one begins with the next event's number.
                channel.close();
                channel = null;
                position = new JournalPosition(position.number(), 0, position.number());
                continue;
            }
            JournalFile.Lines run = JournalFile.read(channel, position.offset(), limit, max, false);
            if (run.lines() == 0) throw new IOException("unreadable journal line in " + journal.path(position.file())
                    + " at " + position.offset());
            position = new JournalPosition(position.file(), run.offset(), position.number() + run.events().size());
            if (!run.events().isEmpty()) return new Batch(run.events(), position);
        }
    }

    private FileChannel open(long file) throws IOException {
        try {
            return FileChannel.open(journal.path(file), StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            // The cursor points into a file already deleted (all sinks past it): go on from the oldest.
            JournalPosition start = journal.start();
            if (start.file() <= file) throw e;
            position = start;
            return FileChannel.open(journal.path(start.file()), StandardOpenOption.READ);
        }
    }

    @Override
    public void close() throws IOException {
        if (channel != null) channel.close();
    }
}
