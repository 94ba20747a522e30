package org.postloom.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Lines from a socket, one at a time, into a reused buffer: the bench tools read many lines and
 * should not make a String of each. A line ends at LF; a CR before it is dropped.
 */
final class LineReader {

    private final InputStream in;
    private final byte[] buffer = new byte[16 * 1024];
    private int position;
    private int limit;
    private byte[] line = new byte[256];
    private int length;

    LineReader(InputStream in) {
        this.in = in;
    }

    /** Reads the next line; false at the end of the stream (a partial last line is dropped). */
    boolean next() throws IOException {
        length = 0;
        while (true) {
            for (int i = position; i < limit; i++) {
                if (buffer[i] == '\n') {
                    append(position, i - position);
                    position = i + 1;
                    if (length > 0 && line[length - 1] == '\r') length--;
                    return true;
                }
            }
            append(position, limit - position);
            position = 0;
            limit = in.read(buffer, 0, buffer.length);
            if (limit <= 0) {
                limit = 0;
                return false;
            }
        }
    }

    String text() {
        return new String(line, 0, length, StandardCharsets.US_ASCII);
    }

    int length() {
        return length;
    }

    /** The line is exactly "." (the end of DATA, RFC 5321 4.1.1.4). */
    boolean isDot() {
        return length == 1 && line[0] == '.';
    }

    /** Bytes already read from the socket and not yet consumed: the peer is pipelining. */
    boolean hasBuffered() {
        return position < limit;
    }

    private void append(int from, int count) {
        if (count == 0) return;
        if (length + count > line.length) line = Arrays.copyOf(line, Math.max(line.length * 2, length + count));
        System.arraycopy(buffer, from, line, length, count);
        length += count;
    }
}
