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
        DELIVERED(EventType.DELIVERY, true), DEFERRED(EventType.TRANSIENT_FAILURE, true), FAILED(EventType.BOUNCE, true),
        EXPIRED(EventType.EXPIRATION, true), SUPPRESSED(EventType.SUPPRESSION, false),
        /** An operator deleted the message from the queue: a bounce made here, of no attempt, class {@code other}. */
        DELETED(EventType.BOUNCE, false);

        final EventType type;
        /** Whether an MX was tried: only then has the event an attempt number, MX, source and TLS. */
        final boolean attempted;

        Kind(EventType type, boolean attempted) {
            this.type = type;
            this.attempted = attempted;
        }
    }

    /**
     * Where the attempt went: the site (the egress path's, as {@code GET /sites} names it), the
     * MX host and address it reached, the egress source it left from and the local address its
     * connection was bound to, and the TLS protocol. A part not known is null (no connection was
     * made; no egress source is configured; clear text).
     */
    public record Route(String site, String mxHost, String mxAddress, String source, String sourceAddress, String tls) {

        /** Where nothing was attempted (an operator's delete, a suppressed recipient). */
        public static final Route NONE = new Route(null, null, null, null, null, null);
    }
}
