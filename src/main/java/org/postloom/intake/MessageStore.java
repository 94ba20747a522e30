package org.postloom.intake;

import java.io.OutputStream;
import org.postloom.mail.Envelope;
import org.postloom.mail.QueueId;

/**
 * The one reception seam (docs/architecture.md, "intake"): what SMTP reception, HTTP injection
 * and bounces hand messages to, and what the spool implements. A sender takes
 * {@link #newQueueId()} when its transaction begins (the id goes into the Received header), then
 * {@link #receive(Envelope)}, streams the body into the returned {@link Reception}, and commits
 * it. Commit returns only once the message is on disk and forced: that is what allows a 250 (or
 * an HTTP 200).
 */
public interface MessageStore {

    QueueId newQueueId();

    /**
     * Whether a new message would be taken now (space on disk, room in the queue). Asked before a
     * body is sent (at MAIL) so a client hears 452 before it sends a body that could not be stored.
     */
    default boolean hasRoom() {
        return true;
    }

    /**
     * Starts storing one message. May refuse at once (storage unhealthy, disk nearly full) so the
     * client hears 452 before sending a body.
     */
    Reception receive(Envelope envelope) throws IntakeException;

    /** One message being received; not durable, and invisible to delivery, until committed. */
    interface Reception extends AutoCloseable {

        /**
         * Receives the body, already un-dot-stuffed, with CRLF line ends. A write that storage
         * refuses throws an {@link IntakeException}.
         */
        OutputStream body();

        /**
         * Puts header lines (each ending in CRLF) in front of everything written to
         * {@link #body()}, as a signer does with a header computed over the body (RFC 6376 5.6:
         * DKIM-Signature goes before the fields it signs). Each call goes in front of the earlier
         * ones. Only before {@link #commit()}.
         */
        void prepend(byte[] headerLines);

        /** Blocks until the envelope and body are forced to disk; afterwards the message is queued. */
        void commit() throws IntakeException;

        /** Forgets everything written so far; a no-op after commit. */
        @Override
        void close();
    }
}
