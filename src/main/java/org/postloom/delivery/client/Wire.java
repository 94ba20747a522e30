package org.postloom.delivery.client;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.postloom.smtp.Reply;
import org.postloom.smtp.ReplyReader;

/**
 * The bytes of one outbound connection: commands go into a buffer and leave on {@link #flush}, so
 * that a pipelined group (RFC 2920) is one write; replies are read with a time limit each. After
 * STARTTLS the streams are replaced by the TLS socket's.
 */
final class Wire implements Closeable {

    private static final int BUFFER = 8192;

    private final Socket plain;
    private Socket active;
    private ReplyReader replies;
    private DeadlineOutputStream timed;
    private OutputStream out;

    Wire(Socket plain, Duration writeTimeout) throws IOException {
        this.plain = plain;
        attach(plain, writeTimeout);
    }

    /** Continues over {@code secure}, which wraps the plain socket (RFC 3207 4.2). */
    void secure(Socket secure, Duration writeTimeout) throws IOException {
        attach(secure, writeTimeout);
    }

    private void attach(Socket socket, Duration writeTimeout) throws IOException {
        active = socket;
        replies = new ReplyReader(socket.getInputStream());
        timed = new DeadlineOutputStream(socket.getOutputStream(), plain, writeTimeout);
        out = new BufferedOutputStream(timed, BUFFER);
    }

    Socket plainSocket() {
        return plain;
    }

    /** Queues one command line; UTF-8, as SMTPUTF8 addresses need (RFC 6531 3.2). */
    void command(String line) throws IOException {
        out.write(line.getBytes(StandardCharsets.UTF_8));
        out.write('\r');
        out.write('\n');
    }

    /** The stream for message data; every write, buffered or not, is bounded by {@code writeTimeout}. */
    OutputStream data(Duration writeTimeout) {
        timed.timeout(writeTimeout);
        return out;
    }

    void flush(Duration writeTimeout) throws IOException {
        timed.timeout(writeTimeout);
        out.flush();
    }

    /** Flushes what is queued, then waits at most {@code timeout} for the next reply. */
    Reply read(Duration timeout) throws IOException {
        flush(timeout);
        active.setSoTimeout((int) Math.max(1, timeout.toMillis()));
        return replies.read();
    }

    /** Whether the server sent bytes no reply has consumed (see {@link ReplyReader#hasBufferedInput()}). */
    boolean hasUnreadInput() {
        return replies.hasBufferedInput();
    }

    @Override
    public void close() {
        try {
            active.close();
        } catch (IOException ignored) {
            // nothing more to do with a connection we are leaving
        }
        try {
            plain.close();
        } catch (IOException ignored) {
            // as above
        }
    }
}
