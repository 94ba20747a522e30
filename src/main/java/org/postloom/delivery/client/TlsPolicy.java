package org.postloom.delivery.client;

import java.util.Optional;
import org.postloom.tls.ClientTls;
import org.postloom.tls.HostTlsPolicy;
import org.postloom.tls.OutboundTlsPolicy;
import org.postloom.tls.TlsPolicyKind;

/**
 * What the client does about STARTTLS (RFC 3207) on a connection, as configured for a destination.
 * DANE and MTA-STS decide per MX host instead ({@link OutboundTlsPolicy}, passed to
 * {@link OutboundConnection#open(java.net.InetSocketAddress, String, ClientSettings, HostTlsPolicy)}).
 */
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

    /**
     * This level as the policy of one host named {@code serverName}; {@link #REQUIRED_VERIFIED}
     * trusts {@code verifier}'s anchors when given, else the JDK's roots.
     */
    HostTlsPolicy forHost(String serverName, Optional<ClientTls> verifier) {
        return switch (this) {
            case NONE -> new HostTlsPolicy.Secured(TlsPolicyKind.NONE, false, Optional.empty(), false);
            case OPPORTUNISTIC -> HostTlsPolicy.Secured.opportunistic();
            case REQUIRED_VERIFIED -> verifier.<HostTlsPolicy>map(v -> HostTlsPolicy.Secured.verified(v, serverName))
                    .orElseGet(() -> JdkRoots.POLICY.verified(serverName));
        };
    }

    // Built on first use only (reading the JDK's roots costs a few milliseconds).
    private static final class JdkRoots {
        static final OutboundTlsPolicy POLICY = OutboundTlsPolicy.opportunisticOnly();
    }
}
