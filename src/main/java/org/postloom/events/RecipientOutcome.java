package org.postloom.events;

import org.postloom.mail.Mailbox;

/**
 * What one attempt did for one recipient, as the delivery engine tells it.
 *
 * @param index  the recipient's place in the envelope (part of the event id)
 * @param code   the reply code; {@code status} its enhanced status; {@code reply} the whole reply
 */
public record RecipientOutcome(int index, Mailbox recipient, Kind kind, int code, String status, String reply) {

    public enum Kind {
        DELIVERED(EventType.DELIVERY), DEFERRED(EventType.TRANSIENT_FAILURE), FAILED(EventType.BOUNCE),
        EXPIRED(EventType.EXPIRATION), SUPPRESSED(EventType.SUPPRESSION);

        final EventType type;

        Kind(EventType type) {
            this.type = type;
        }
    }

    /**
     * Where the attempt went: the site (the destination), the MX host and address it reached, and
     * the TLS protocol (null in clear text or when no connection was made).
     */
    public record Route(String site, String mxHost, String mxAddress, String tls) {}
}
