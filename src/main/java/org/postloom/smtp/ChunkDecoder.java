package org.postloom.smtp;

/**
 * One BDAT chunk (RFC 3030): exactly {@code size} octets, no dot-stuffing. Line ends are held to
 * CRLF as in DATA, so what Postloom passes on never carries a bare CR or LF; a CR at the end of
 * one chunk may find its LF at the start of the next, so the state outlives the chunk.
 */
public final class ChunkDecoder implements BodyDecoder {

    private final BodySink sink;
    private long remaining;
    private boolean pendingCr;

    public ChunkDecoder(BodySink sink) {
        this.sink = sink;
    }

    /** Starts the next chunk of the same message. */
    public void expect(long size) {
        remaining = size;
    }

    /** Called after the last chunk: a CR left waiting for its LF is a bare CR. */
    public void finish() {
        if (pendingCr) sink.fail(BodyOutcome.BARE_CR_OR_LF);
        pendingCr = false;
        sink.flush();
    }

    @Override
    public int feed(byte[] buf, int off, int len) {
        int n = (int) Math.min(len, remaining);
        for (int i = off; i < off + n; i++) {
            byte b = buf[i];
            if (pendingCr && b != '\n') sink.fail(BodyOutcome.BARE_CR_OR_LF);
            if (!pendingCr && b == '\n') sink.fail(BodyOutcome.BARE_CR_OR_LF);
            pendingCr = b == '\r';
            sink.put(b);
        }
        remaining -= n;
        if (remaining == 0) sink.flush();
        return n;
    }

    @Override
    public boolean done() {
        return remaining == 0;
    }
}
