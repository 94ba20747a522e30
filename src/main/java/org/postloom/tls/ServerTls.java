package org.postloom.tls;

import java.io.IOException;
import java.net.Socket;
import java.util.Arrays;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocketFactory;

/**
 * The server side of TLS on an accepted connection, for both STARTTLS (RFC 3207) and implicit
 * TLS on the submissions port (RFC 8314): the same upgrade, called after the STARTTLS reply or
 * right after accept. Build one at start-up and share it; it is thread-safe.
 */
public final class ServerTls {

    private final SSLSocketFactory factory;

    private ServerTls(SSLSocketFactory factory) {
        this.factory = factory;
    }

    public static ServerTls of(KeyMaterial material) {
        return new ServerTls(TlsContexts.server(material).getSocketFactory());
    }

    /**
     * Layers TLS over {@code plain} as the server and completes the handshake.
     *
     * <p>For STARTTLS the caller must drop anything it has read but not yet processed from the
     * plain stream: bytes a client pipelined after STARTTLS were sent in clear text and must not
     * be taken as coming through TLS (the CVE-2011-0411 command injection).
     *
     * @throws SSLException naming the peer when the handshake fails; both sockets are closed then
     */
    public TlsConnection upgrade(Socket plain) throws IOException {
        var tls = Handshakes.layer(factory, plain, plain.getInetAddress().getHostAddress(), false, ServerTls::configure);
        return Handshakes.complete(tls, plain);
    }

    private static void configure(SSLParameters parameters) {
        parameters.setProtocols(TlsContexts.PROTOCOLS.toArray(String[]::new));
        parameters.setCipherSuites(forwardSecretAead(parameters.getCipherSuites()));
        // Our preference wins over the client's: keeps fast AES-GCM ahead of pure-Java ChaCha20.
        parameters.setUseCipherSuitesOrder(true);
    }

    /**
     * What a server may offer today: the TLS 1.3 suites, and for TLS 1.2 only ECDHE with an AEAD
     * cipher (AES-GCM, ChaCha20-Poly1305): forward secrecy, and none of the CBC constructions that
     * Lucky13 and its kin attack. Every client of the last decade has one of these.
     */
    static String[] forwardSecretAead(String[] suites) {
        return Arrays.stream(suites)
                .filter(s -> s.startsWith("TLS_AES_") || s.startsWith("TLS_CHACHA20_")
                        || (s.startsWith("TLS_ECDHE_") && (s.contains("_GCM_") || s.contains("CHACHA20_POLY1305"))))
                .toArray(String[]::new);
    }
}
