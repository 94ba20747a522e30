package org.postloom.tls;

import java.io.Closeable;
import java.io.IOException;
import javax.net.ssl.SSLSocket;

/**
 * A socket after a completed TLS handshake, with what was negotiated. Read and write through
 * {@link #socket()} from now on; the plain socket underneath must no longer be used directly.
 *
 * @param protocol    e.g. {@code TLSv1.3}
 * @param cipherSuite e.g. {@code TLS_AES_256_GCM_SHA384}
 */
public record TlsConnection(SSLSocket socket, String protocol, String cipherSuite) implements Closeable {

    static TlsConnection of(SSLSocket socket) {
        var session = socket.getSession();
        return new TlsConnection(socket, session.getProtocol(), session.getCipherSuite());
    }

    /** For the Received header and logs: {@code "TLSv1.3 TLS_AES_256_GCM_SHA384"}. */
    public String description() {
        return protocol + " " + cipherSuite;
    }

    /** Closes the TLS socket and the plain socket beneath it. */
    @Override
    public void close() throws IOException {
        socket.close();
    }
}
