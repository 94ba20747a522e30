package org.postloom.delivery.client;

import java.util.Optional;
import org.postloom.tls.ClientTls;

/** What the client does about STARTTLS (RFC 3207) on a connection. */
public enum TlsPolicy {

    /** Never start TLS, even when offered. */
    NONE,

    /**
     * Start TLS when offered, without checking the certificate (RFC 7435 opportunistic security):
     * the normal case between MTAs. If the server does not offer it, or refuses it, the mail goes in
     * clear text; if the handshake fails, {@link OutboundConnection#open} connects again in clear text
     * (as Postfix does at its "may" level), since the failed attempt has spoiled the connection.
     */
    OPPORTUNISTIC,

    /**
     * TLS with a certificate that chains to the JDK's trusted roots and names the server. A server
     * that does not offer STARTTLS, or presents a certificate that does not pass, is a failure of
     * the site: deferred (4.7.4 / 4.7.5, as Postfix at its "verify" level), since the server's
     * operator may fix it, and the scheduler may try another MX host.
     */
    REQUIRED_VERIFIED;

    /** The TLS client for this policy, built once per JVM; empty for {@link #NONE}. */
    Optional<ClientTls> client() {
        return switch (this) {
            case NONE -> Optional.empty();
            case OPPORTUNISTIC -> Optional.of(Opportunistic.CLIENT);
            case REQUIRED_VERIFIED -> Optional.of(Verifying.CLIENT);
        };
    }

    // Holders: each context is made on first use only (building one costs a few milliseconds).
    private static final class Opportunistic {
        static final ClientTls CLIENT = ClientTls.opportunistic();
    }

    private static final class Verifying {
        static final ClientTls CLIENT = ClientTls.verifying();
    }
}
