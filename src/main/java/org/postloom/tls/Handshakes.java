package org.postloom.tls;

import java.io.IOException;
import java.net.Socket;
import java.util.Arrays;
import java.util.Comparator;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/** What the server and client upgrades share: layering over the plain socket, and failing clearly. */
final class Handshakes {

    private Handshakes() {
    }

    /**
     * An {@link SSLSocket} over {@code plain} that closes it when closed; {@code peerName} is what
     * the TLS stack is told the peer is called. {@code configure} adjusts the context's default
     * parameters (changing the defaults, not replacing them, keeps the provider's cipher suites).
     */
    static SSLSocket layer(SSLSocketFactory factory, Socket plain, String peerName, boolean client,
            Consumer<SSLParameters> configure) throws IOException {
        var tls = (SSLSocket) factory.createSocket(plain, peerName, plain.getPort(), true);
        tls.setUseClientMode(client);
        var parameters = tls.getSSLParameters();
        parameters.setCipherSuites(aesGcmFirst(parameters.getCipherSuites()));
        configure.accept(parameters);
        tls.setSSLParameters(parameters);
        return tls;
    }

    /**
     * The same suites with ChaCha20 ones last. BCJSSE ranks ChaCha20 first, but ours is BC's
     * pure-Java one, several times slower than the JDK's AES-GCM with AES-NI (docs/architecture.md).
     */
    static String[] aesGcmFirst(String[] suites) {
        return Arrays.stream(suites)
                .sorted(Comparator.comparing(suite -> suite.contains("CHACHA20"))) // stable: keeps the rest in order
                .toArray(String[]::new);
    }

    /**
     * Runs the handshake now, so that failures surface here rather than at the first read. The
     * socket's read timeout ({@link Socket#setSoTimeout}) bounds it. On failure both sockets are
     * closed: after a broken handshake neither side can go back to plain text on this connection.
     */
    static TlsConnection complete(SSLSocket tls, Socket plain) throws SSLException {
        try {
            tls.startHandshake();
            return TlsConnection.of(tls);
        } catch (IOException | RuntimeException e) {
            // BCJSSE reports some failures (no usable protocol) as unchecked exceptions.
            closeQuietly(tls, e);
            throw new SSLException("TLS handshake with " + plain.getRemoteSocketAddress() + " failed: " + e.getMessage(), e);
        }
    }

    private static void closeQuietly(Socket socket, Exception failure) {
        try {
            socket.close();
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }
}
