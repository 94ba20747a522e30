package org.postloom.spool;

import org.postloom.mail.Envelope;
import org.postloom.mail.QueueId;

/**
 * The seam between an SMTP session and durable storage. A session calls {@link #newQueueId()}
 * when its transaction begins (the id goes into the Received header), then
 * {@link #receive(Envelope)} at DATA/BDAT, streams the body into the returned
 * {@link Reception}, and commits it. Commit returns only once the message is on disk and
 * forced: that is what allows the session to answer 250.
 */
public interface MessageStore {

    QueueId newQueueId();

    /**
     * Whether a new message would be taken now (space on disk, room in the queue). Asked at MAIL
     * so a client hears 452 before it sends a body that could not be stored.
     */
    default boolean hasRoom() {
        return true;
    }

    /**
     * Starts storing one message. May refuse at once (spool unhealthy, disk nearly full) so the
     * client hears 452 before sending a body.
     */
    Reception receive(Envelope envelope) throws SpoolException;

    /** One message being received; not durable, and invisible to delivery, until committed. */
    interface Reception extends AutoCloseable {

        /** Receives the body, already un-dot-stuffed, with CRLF line ends. */
        java.io.OutputStream body();

        /**
         * Puts header lines (each ending in CRLF) in front of everything written to
         * {@link #body()}, as a signer does with a header computed over the body (RFC 6376 5.6:
         * DKIM-Signature goes before the fields it signs). Each call goes in front of the earlier
         * ones. Only before {@link #commit()}.
         */
        void prepend(byte[] headerLines);

        /** Blocks until the envelope and body are forced to disk; afterwards the message is queued. */
        void commit() throws SpoolException;

        /** Forgets everything written so far; a no-op after commit. */
        @Override
        void close();
    }
}
