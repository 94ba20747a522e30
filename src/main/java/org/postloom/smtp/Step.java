package org.postloom.smtp;

import java.time.Duration;
import org.postloom.mail.Envelope;

/**
 * What the session asks of the connection after a command: send a reply, then do something.
 * The session itself never touches a socket.
 */
public sealed interface Step {

    /** Send the reply and read the next command. */
    record Continue(Reply reply) implements Step {}

    /**
     * Wait, then send the reply: a refused password is answered slowly, more so each time, to
     * make guessing expensive (RFC 4954 14). The wait costs only this session's virtual thread.
     */
    record Pause(Duration delay, Reply reply) implements Step {}

    /** Send the reply and close the connection. */
    record Close(Reply reply) implements Step {}

    /** Send the reply, drop whatever input is buffered, and hand the socket to TLS (RFC 3207). */
    record StartTls(Reply reply) implements Step {}

    /**
     * DATA was accepted: open storage for the envelope, send the 354 reply, read the body up to
     * the end-of-data line, then report through {@link SmtpSession#bodyEnded}. If storage
     * refuses, the 354 is not sent and {@link SmtpSession#bodyEnded} hears why.
     */
    record ReadData(Reply reply, Envelope envelope, long sizeLimit) implements Step {}

    /**
     * A BDAT chunk of {@code size} octets follows the command line (RFC 3030). {@code first}
     * says storage must be opened for the envelope; {@code last} that the message ends with it.
     * Report through {@link SmtpSession#bodyEnded}.
     */
    record ReadChunk(Envelope envelope, boolean first, long size, boolean last, long sizeLimit) implements Step {}

    /**
     * A refused BDAT: its octets are already on the wire, so read and drop them, then send the
     * reply (RFC 3030 4.2).
     */
    record DiscardChunk(long size, Reply reply) implements Step {}
}
