package org.postloom.tls;

import java.io.IOException;
import java.net.Socket;
import java.security.KeyStore;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocketFactory;

/**
 * The client side of TLS on an outbound connection (STARTTLS to a next-hop MTA, or tests), with
 * its verification policy built in, so that a caller cannot pair a verifying context with a
 * socket that skips the host name check. Thread-safe; build once and share.
 */
public final class ClientTls {

    private final SSLSocketFactory factory;
    private final boolean verifying;
    private final KeyStore trustAnchors;

    private ClientTls(SSLSocketFactory factory, boolean verifying) {
        this(factory, verifying, null);
    }

    private ClientTls(SSLSocketFactory factory, boolean verifying, KeyStore trustAnchors) {
        this.factory = factory;
        this.verifying = verifying;
        this.trustAnchors = trustAnchors;
    }

    /**
     * Encrypts without checking the peer's certificate: the normal case between MTAs
     * (opportunistic TLS, RFC 7435). Protects against passive listening, not active attackers.
     */
    public static ClientTls opportunistic() {
        return new ClientTls(TlsContexts.opportunisticClient().getSocketFactory(), false);
    }

    /** Requires a certificate that chains to the JDK's trusted roots and names the host. */
    public static ClientTls verifying() {
        return verifying(null);
    }

    /** Requires a certificate that chains to {@code trustAnchors} and names the host. */
    public static ClientTls verifying(KeyStore trustAnchors) {
        return new ClientTls(TlsContexts.verifyingClient(trustAnchors).getSocketFactory(), true, trustAnchors);
    }

    /** The anchors a verifying client trusts; null means the JDK's. */
    KeyStore trustAnchors() {
        return trustAnchors;
    }

    /**
     * For one connection: the certificate is judged by {@code trustManager} (DANE or MTA-STS), which
     * checks names itself, so the JSSE name check stays off.
     */
    static ClientTls judgedBy(PolicyTrustManager trustManager) {
        return new ClientTls(TlsContexts.clientTrusting(trustManager).getSocketFactory(), false);
    }

    /** Whether this client checks the peer's certificate and host name. */
    public boolean verifiesPeer() {
        return verifying;
    }

    /**
     * Layers TLS over {@code plain} as the client and completes the handshake.
     *
     * @param host the name the peer is expected to have (the MX host name): sent as SNI and, when
     *             verifying, matched against the certificate. A trailing dot is ignored.
     * @throws SSLException naming the peer when the handshake or verification fails; both sockets
     *                      are closed then
     */
    public TlsConnection upgrade(Socket plain, String host) throws IOException {
        return upgrade(plain, host, TlsContexts.PROTOCOLS);
    }

    /** As {@link #upgrade(Socket, String)} but offering only {@code protocols}; for tests. */
    TlsConnection upgrade(Socket plain, String host, List<String> protocols) throws IOException {
        String name = HostNames.withoutTrailingDot(host);
        var tls = Handshakes.layer(factory, plain, name, true, parameters -> configure(parameters, name, protocols));
        return Handshakes.complete(tls, plain);
    }

    private void configure(SSLParameters parameters, String name, List<String> protocols) {
        parameters.setProtocols(protocols.toArray(String[]::new));
        if (!HostNames.isAddressLiteral(name)) {
            parameters.setServerNames(List.of(new SNIHostName(name))); // RFC 6066: never an address
        }
        if (verifying) {
            // "HTTPS" is RFC 2818/6125 matching of the name against subjectAltName, as SMTP wants.
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
        }
    }
}
