package org.postloom.inject;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Reads at most {@code limit} bytes, and fails as soon as the input goes past it. */
final class LimitedInputStream extends FilterInputStream {

    /** The input is longer than the limit. */
    static final class Exceeded extends IOException {
        Exceeded() {
            super("over the limit", null);
        }
    }

    private final long limit;
    private long count;

    LimitedInputStream(InputStream in, long limit) {
        super(in);
        this.limit = limit;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) count(1);
        return b;
    }

    @Override
    public int read(byte[] buffer, int off, int len) throws IOException {
        int n = super.read(buffer, off, len);
        if (n > 0) count(n);
        return n;
    }

    private void count(int n) throws Exceeded {
        count += n;
        if (count > limit) throw new Exceeded();
    }
}
