package org.postloom.smtp.server;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import org.postloom.smtp.BodyDecoder;

/**
 * The client's bytes, buffered so that pipelined commands (RFC 2920) are read from memory, with
 * hard limits on line length and a deadline on every line and body, so a slow or endless client
 * costs a bounded amount of memory and time. The buffer starts small (idle sessions are most of
 * them) and grows only while a body streams through.
 */
final class SmtpInput {

    private static final int IDLE_BUFFER = 512;
    private static final int BODY_BUFFER = 16 * 1024;
    /** A client silent this long between commands is idle: its body buffer is given back. */
    private static final int IDLE_AFTER_MILLIS = 1000;

    private final Socket socket;
    private final Runnable beforeBlocking;
    private InputStream in;
    /**
     * Whether a read may time out and be tried again. True in clear text; after STARTTLS the
     * TLS layer is not trusted to survive a timed-out read, so the idle shrink is skipped there.
     */
    private boolean retryableTimeouts = true;
    private byte[] buf = new byte[IDLE_BUFFER];
    private int pos;
    private int limit;
    private long deadline;

    /**
     * @param beforeBlocking runs whenever the buffer is empty and a read would wait on the client:
     *                       that is when pending replies must go out (RFC 2920 3.2)
     */
    SmtpInput(Socket socket, InputStream in, Runnable beforeBlocking) {
        this.socket = socket;
        this.in = in;
        this.beforeBlocking = beforeBlocking;
    }

    /** After STARTTLS: read from the TLS stream and forget every byte read before it (RFC 3207 4.2). */
    void switchTo(InputStream tlsStream) {
        in = tlsStream;
        pos = limit = 0;
        retryableTimeouts = false;
    }

    /**
     * Reads a line ending in LF. Returns null at end of stream. A line longer than
     * {@code maxLength} octets (CRLF excluded) is skipped to its end and reported as too long.
     */
    CommandLine readLine(int maxLength, Duration timeout) throws IOException {
        startDeadline(timeout);
        int scanned = 0;            // bytes after pos already known to hold no LF
        boolean tooLong = false;
        while (true) {
            for (int i = pos + scanned; i < limit; i++) {
                if (buf[i] == '\n') {
                    CommandLine line = tooLong ? new CommandLine.TooLong() : decode(pos, i);
                    pos = i + 1;
                    return line;
                }
            }
            scanned = limit - pos;
            if (scanned > maxLength + 1) {
                tooLong = true;        // keep skipping until the LF, keeping nothing
                pos = limit;
                scanned = 0;
            }
            if (!fill(maxLength + 2, true)) return null;
        }
    }

    /** Feeds bytes to a body decoder until it is done. Returns false if the stream ended first. */
    boolean feed(BodyDecoder decoder, Duration timeout) throws IOException {
        startDeadline(timeout);
        growForBody();
        while (!decoder.done()) {
            if (pos == limit && !fill(buf.length, false)) return false;
            pos += decoder.feed(buf, pos, limit - pos);
        }
        return true;
    }

    /** Reads and drops {@code count} octets (a refused BDAT chunk). */
    boolean skip(long count, Duration timeout) throws IOException {
        startDeadline(timeout);
        long left = count;
        while (left > 0) {
            if (pos == limit && !fill(buf.length, false)) return false;
            int n = (int) Math.min(left, limit - pos);
            pos += n;
            left -= n;
        }
        return true;
    }

    private CommandLine decode(int from, int lf) {
        int end = lf;
        if (end == from || buf[end - 1] != '\r') return new CommandLine.Malformed("Bare LF in command line");
        end--;
        for (int i = from; i < end; i++) {
            if (buf[i] == '\r') return new CommandLine.Malformed("Bare CR in command line");
        }
        try {
            return new CommandLine.Text(StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(buf, from, end - from)).toString());
        } catch (CharacterCodingException e) {
            return new CommandLine.Malformed("Command line is not valid UTF-8");
        }
    }

    /**
     * Reads once from the client, growing the buffer up to {@code capacity} if it is full. While
     * waiting for a command ({@code betweenCommands}), a client that stays silent for a second
     * is idle: the large buffer a body needed is given back, since idle sessions are most of them.
     * A busy client keeps its buffer from one message to the next.
     */
    private boolean fill(int capacity, boolean betweenCommands) throws IOException {
        compact();
        if (limit == buf.length) buf = Arrays.copyOf(buf, Math.max(capacity, buf.length * 2));
        beforeBlocking.run();
        if (betweenCommands && retryableTimeouts && limit == 0 && buf.length > IDLE_BUFFER) {
            Integer n = readWithin(IDLE_AFTER_MILLIS);
            if (n != null) return took(n);
            buf = new byte[IDLE_BUFFER];
        }
        Integer n = readWithin(Long.MAX_VALUE);
        if (n == null) throw new InputTimeout("client input");
        return took(n);
    }

    /** One read, within the deadline and at most {@code millis}; null if that time ran out. */
    private Integer readWithin(long millis) throws IOException {
        long left = deadline - System.nanoTime();
        if (left <= 0) return null;
        socket.setSoTimeout((int) Math.max(1, Math.min(Math.min(Integer.MAX_VALUE, millis), left / 1_000_000)));
        try {
            return in.read(buf, limit, buf.length - limit);
        } catch (SocketTimeoutException e) {
            return null;
        }
    }

    private boolean took(int n) {
        if (n < 0) return false;
        limit += n;
        return true;
    }

    private void compact() {
        if (pos > 0) {
            System.arraycopy(buf, pos, buf, 0, limit - pos);
            limit -= pos;
            pos = 0;
        }
    }

    private void growForBody() {
        if (buf.length < BODY_BUFFER) {
            byte[] bigger = new byte[BODY_BUFFER];
            System.arraycopy(buf, pos, bigger, 0, limit - pos);
            limit -= pos;
            pos = 0;
            buf = bigger;
        }
    }


    private void startDeadline(Duration timeout) {
        deadline = System.nanoTime() + timeout.toNanos();
    }
}
