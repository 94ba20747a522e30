package org.postloom.delivery.client;

import org.postloom.smtp.Reply;

/**
 * What became of one recipient on one attempt, and how far the cause reaches (after Postfix's
 * {@code smtp_trouble.c}): the whole site (try the next host, or back off the destination), this
 * message, or this recipient alone.
 */
public sealed interface Outcome {

    /** The reply (ours when the cause is local, such as a refused connection). */
    Reply reply();

    /**
     * Whether {@link #reply()} is what the next hop said (a report then names it in Remote-MTA with
     * an {@code smtp} Diagnostic-Code, RFC 3464 2.3.5-2.3.6), not a judgement of our own.
     */
    boolean fromServer();

    Scope scope();

    enum Scope { SITE, MESSAGE, RECIPIENT }

    /**
     * The next hop took responsibility for the recipient (2xx after the end of data).
     *
     * @param dsnPassedOn whether the next hop took the DSN parameters too (it offered DSN), so that
     *                    reports are its business now; when not, a NOTIFY=SUCCESS recipient is owed
     *                    an {@code Action: relayed} report (RFC 3461 5.2.2)
     */
    record Delivered(Reply reply, boolean dsnPassedOn) implements Outcome {
        public Delivered(Reply reply) {
            this(reply, true);
        }

        @Override
        public Scope scope() {
            return Scope.RECIPIENT;
        }

        @Override
        public boolean fromServer() {
            return true;
        }
    }

    /** Try again later: a 4xx reply, or the network failed. */
    record Deferred(Reply reply, Scope scope, boolean fromServer) implements Outcome {
        /** A deferral of our own making (no connection, no address, TLS policy). */
        public Deferred(Reply reply, Scope scope) {
            this(reply, scope, false);
        }
    }

    /** Never going to work: a 5xx reply, or a permanent local judgement (null MX, no such domain). */
    record Failed(Reply reply, Scope scope, boolean fromServer) implements Outcome {
        /** A failure of our own making (no such domain, REQUIRETLS unmet, suppressed). */
        public Failed(Reply reply, Scope scope) {
            this(reply, scope, false);
        }
    }
}
