package org.postloom.spool;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads one body out of a segment with positional reads, so many couriers can read from the same
 * segment at once while the writer appends to it. It holds its own file handle: if the message
 * becomes final and its segment is deleted meanwhile, the open file stays readable (POSIX unlink).
 */
final class BodyInputStream extends InputStream {

    private final FileChannel channel;
    private long position;
    private final long end;

    BodyInputStream(Path segment, long offset, long length) throws IOException {
        this.channel = FileChannel.open(segment, StandardOpenOption.READ);
        this.position = offset;
        this.end = offset + length;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) return 0;
        if (position >= end) return -1;
        int n = channel.read(ByteBuffer.wrap(b, off, (int) Math.min(len, end - position)), position);
        if (n < 0) throw new IOException("segment shorter than its index says");
        position += n;
        return n;
    }

    @Override
    public int available() {
        return (int) Math.min(Integer.MAX_VALUE, end - position);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
