package org.postloom.smtp;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Where a decoded message body goes: it counts octets and line lengths, and from the first
 * problem on (too big, bad line end, a write that failed) it stops writing but keeps counting, so
 * the reader can drain the rest of the input and the session stays in step with the client.
 */
public final class BodySink {

    private final OutputStream out;
    private final long sizeLimit;
    private final int lineLimit;
    private final byte[] buffer = new byte[8192];
    private int buffered;
    private long octets;
    private int lineLength;
    private BodyOutcome problem;
    private IOException writeFailure;

    /**
     * @param sizeLimit octets allowed before the body is refused as too big
     * @param lineLimit octets allowed in one line, CRLF excluded
     */
    public BodySink(OutputStream out, long sizeLimit, int lineLimit) {
        this.out = out;
        this.sizeLimit = sizeLimit;
        this.lineLimit = lineLimit;
    }

    void put(byte b) {
        octets++;
        if (b == '\n') {
            lineLength = 0;
        } else if (b != '\r' && ++lineLength > lineLimit) {
            fail(BodyOutcome.LINE_TOO_LONG);
        }
        if (octets > sizeLimit) fail(BodyOutcome.TOO_BIG);
        if (problem != null) return;
        buffer[buffered++] = b;
        if (buffered == buffer.length) flush();
    }

    void fail(BodyOutcome outcome) {
        if (problem == null) problem = outcome;
    }

    /** Writes what is buffered; a failure is remembered, not thrown, so draining can go on. */
    public void flush() {
        if (buffered == 0 || writeFailure != null) return;
        try {
            out.write(buffer, 0, buffered);
        } catch (IOException e) {
            writeFailure = e;
            fail(BodyOutcome.STORAGE_FAILED);
        }
        buffered = 0;
    }

    /** The first problem seen, or null if the body is good so far. */
    public BodyOutcome problem() {
        return problem;
    }

    /** The write failure behind {@link BodyOutcome#STORAGE_FAILED}, if any. */
    public IOException writeFailure() {
        return writeFailure;
    }

    public long octets() {
        return octets;
    }
}
