package org.postloom.delivery.client;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * DATA transparency (RFC 5321 4.5.2): a line that starts with a dot gets a second one, and
 * {@link #finish()} ends the data with CRLF "." CRLF. Expects canonical lines (after {@link LineFolder}).
 */
final class DotStuffer extends FilterOutputStream {

    private boolean lineStart = true;

    DotStuffer(OutputStream out) {
        super(out);
    }

    @Override
    public void write(int b) throws IOException {
        if (lineStart && b == '.') out.write('.');
        out.write(b);
        lineStart = b == '\n';
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        int start = off;
        for (int i = off; i < off + len; i++) {
            if (lineStart && b[i] == '.') {
                out.write(b, start, i - start);
                out.write('.');
                start = i; // the original dot goes out with the next run
            }
            lineStart = b[i] == '\n';
        }
        out.write(b, start, off + len - start);
    }

    /** Writes the end-of-data indicator; the content must have ended its last line. */
    void finish() throws IOException {
        if (!lineStart) throw new IllegalStateException("data must end with CRLF before the final dot");
        out.write(END);
    }

    @Override
    public void close() {
        throw new UnsupportedOperationException("finish() instead: the connection stays open");
    }

    private static final byte[] END = {'.', '\r', '\n'};
}
