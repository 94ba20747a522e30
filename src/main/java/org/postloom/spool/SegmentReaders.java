package org.postloom.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * One read-only handle per segment, shared by every thread that reads envelopes back (positional
 * reads need no lock), so that loading a message costs one pread(2), not an open and a close.
 * A handle is closed as soon as its segment is deleted, or the disk space would stay taken.
 */
final class SegmentReaders implements AutoCloseable {

    private final SegmentDirectory directory;
    private final Map<Long, FileChannel> open = new HashMap<>();

    SegmentReaders(SegmentDirectory directory) {
        this.directory = directory;
    }

    /**
     * Reads {@code length} bytes at {@code offset}. Throws NoSuchFileException or
     * ClosedChannelException when the segment is deleted meanwhile: the caller looks again.
     */
    byte[] read(long segment, long offset, int length) throws IOException {
        var bytes = ByteBuffer.allocate(length);
        var channel = channel(segment);
        while (bytes.hasRemaining()) {
            if (channel.read(bytes, offset + bytes.position()) < 0) {
                throw new IOException("segment " + directory.path(segment) + " shorter than its index says");
            }
        }
        return bytes.array();
    }

    /** Called once the segment's file is deleted. */
    synchronized void deleted(long segment) {
        closeQuietly(open.remove(segment));
    }

    private synchronized FileChannel channel(long segment) throws IOException {
        var channel = open.get(segment);
        if (channel == null || !channel.isOpen()) {
            channel = FileChannel.open(directory.path(segment), StandardOpenOption.READ);
            open.put(segment, channel);
        }
        return channel;
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel == null) return;
        try {
            channel.close();
        } catch (IOException ignored) {
            // read-only: nothing is lost
        }
    }

    @Override
    public synchronized void close() {
        open.values().forEach(SegmentReaders::closeQuietly);
        open.clear();
    }
}
