package org.postloom.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Appends bytes to the end of one segment through a buffer, so that a batch of small records
 * costs few write(2) calls; spilled bodies go straight from their temporary file into the segment
 * with {@link FileChannel#transferTo} (copy_file_range(2) on Linux), never through the heap.
 * Used only by the writer thread.
 */
final class SegmentAppender implements AutoCloseable {

    private final long segment;
    private final FileChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
    private long position;

    SegmentAppender(long segment, FileChannel channel) throws IOException {
        this.segment = segment;
        this.channel = channel;
        this.position = channel.size();
        channel.position(position);
    }

    long segment() {
        return segment;
    }

    /** The length of the segment once everything written so far is flushed. */
    long position() {
        return position;
    }

    void write(ByteBuffer bytes) throws IOException {
        position += bytes.remaining();
        if (bytes.remaining() > buffer.remaining()) {
            flush();
        }
        if (bytes.remaining() > buffer.capacity()) {
            writeFully(bytes);
        } else {
            buffer.put(bytes);
        }
    }

    void write(byte[] bytes, int length) throws IOException {
        write(ByteBuffer.wrap(bytes, 0, length));
    }

    void writeInt(int value) throws IOException {
        write(ByteBuffer.allocate(4).putInt(0, value));
    }

    void transferFrom(Path file, long count) throws IOException {
        transferFrom(file, 0, count);
    }

    /** Appends {@code count} bytes of {@code file} from {@code offset}, kernel to kernel. */
    void transferFrom(Path file, long offset, long count) throws IOException {
        flush();
        try (var source = FileChannel.open(file, StandardOpenOption.READ)) {
            for (long done = 0; done < count; ) {
                long n = source.transferTo(offset + done, count - done, channel);
                if (n <= 0 && source.size() < offset + count) throw new IOException("source shrank: " + file);
                done += n;
            }
        }
        position += count;
    }

    void flush() throws IOException {
        buffer.flip();
        writeFully(buffer);
        buffer.clear();
    }

    /** fdatasync(2): the data and the file's length, which is all recovery needs. */
    void force() throws IOException {
        channel.force(false);
    }

    /** Cuts the segment back to {@code length}, dropping whatever a failed batch left. */
    void truncate(long length) throws IOException {
        buffer.clear();
        channel.truncate(length);
        channel.position(length);
        position = length;
    }

    private void writeFully(ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
