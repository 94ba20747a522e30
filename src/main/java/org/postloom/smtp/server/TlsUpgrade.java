package org.postloom.smtp.server;

import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import javax.net.ssl.SSLSocket;
import org.postloom.tls.ServerTls;

/** Turns a connected socket into a server-side TLS socket with the handshake done. */
@FunctionalInterface
public interface TlsUpgrade {

    SSLSocket upgrade(Socket plain, Duration handshakeTimeout) throws IOException;

    /** For a relay without key material: STARTTLS is never offered, so this is never called. */
    TlsUpgrade NONE = (socket, timeout) -> {
        throw new IOException("TLS is not configured");
    };

    /** The relay's own: BCJSSE, with the handshake bounded in time like any other client input. */
    static TlsUpgrade with(ServerTls tls) {
        return (socket, timeout) -> {
            socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
            return tls.upgrade(socket).socket();
        };
    }
}
