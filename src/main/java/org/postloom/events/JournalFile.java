package org.postloom.events;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;

/** Reading the lines of one journal file: at open (to cut a torn tail) and for the sinks. */
final class JournalFile {

    private static final int CHUNK = 1 << 20;
    /** What a sink's read looks at first: enough for a batch of typical events. */
    private static final int FIRST_READ = 64 << 10;

    private JournalFile() {}

    /** The whole lines of a file, how long they are, and how many of them are events. */
    record Tail(List<byte[]> lines, long length, long events) {}

    /** A run of events read from a file, and the offset and count after the last one. */
    record Lines(List<byte[]> events, long offset, int lines) {}

    /**
     * Reads every whole line and cuts the file after the last good one: a crash may leave half a
     * line, or a run of zeros where the file grew but its data never reached the disk.
     */
    static Tail recover(FileChannel channel) throws IOException {
        List<byte[]> lines = new ArrayList<>();
        long length = 0;
        long events = 0;
        long size = channel.size();
        while (length < size) {
            Lines run = read(channel, length, size, Integer.MAX_VALUE, true);
            if (run.lines() == 0) break;
            lines.addAll(run.events());
            for (byte[] line : run.events()) if (isEvent(line)) events++;
            length = run.offset();
        }
        if (length < size) channel.truncate(length);
        return new Tail(lines, length, events);
    }

    /**
     * Reads lines from {@code from} up to {@code limit}, at most {@code maxEvents} events, one
     * chunk's worth at most. With {@code all}, header lines are returned too.
     */
    static Lines read(FileChannel channel, long from, long limit, int maxEvents, boolean all) throws IOException {
        if (maxEvents != Integer.MAX_VALUE && limit - from > FIRST_READ) {
            Lines first = read(channel, from, from + FIRST_READ, maxEvents, all);
            if (first.lines() > 0) return first; // else a line longer than FIRST_READ: read a whole chunk
        }
        int want = (int) Math.min(CHUNK, limit - from);
        ByteBuffer buffer = ByteBuffer.allocate(Math.max(want, 0));
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, from + buffer.position()) < 0) break;
        }
        byte[] bytes = buffer.array();
        int filled = buffer.position();
        List<byte[]> out = new ArrayList<>();
        int start = 0;
        int lines = 0;
        int events = 0;
        for (int i = 0; i < filled && events < maxEvents; i++) {
            if (bytes[i] == 0) break;                 // never written: the torn end
            if (bytes[i] != '\n') continue;
            byte[] line = java.util.Arrays.copyOfRange(bytes, start, i);
            if (line.length < 2 || line[0] != '{' || line[line.length - 1] != '}') break;
            boolean event = isEvent(line);
            if (event || all) out.add(line);
            if (event) events++;
            lines++;
            start = i + 1;
        }
        if (lines == 0 && filled == CHUNK) throw new IOException("journal line longer than " + CHUNK + " bytes at " + from);
        return new Lines(out, from + start, lines);
    }

    /** Header lines begin with <code>{"_</code>; every other line is one event. */
    static boolean isEvent(byte[] line) {
        return !(line.length > 2 && line[1] == '"' && line[2] == '_');
    }
}
