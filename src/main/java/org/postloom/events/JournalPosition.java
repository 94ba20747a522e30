package org.postloom.events;

/**
 * A place in the event journal: the journal file (named by the number of its first event), the
 * byte offset in it, and the number of the next event there (events are numbered from 0 in the
 * order they were made durable, so two positions' difference is a count of events).
 */
public record JournalPosition(long file, long offset, long number) {

    static final JournalPosition START = new JournalPosition(0, 0, 0);

    /** The text form kept in a cursor file. */
    String encode() {
        return file + " " + offset + " " + number + "\n";
    }

    static JournalPosition decode(String text) {
        String[] parts = text.strip().split(" ");
        if (parts.length != 3) throw new IllegalArgumentException("bad journal position: " + text.strip());
        return new JournalPosition(Long.parseLong(parts[0]), Long.parseLong(parts[1]), Long.parseLong(parts[2]));
    }
}
