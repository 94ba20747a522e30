package org.postloom.smtp.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.postloom.intake.MessageSigner;
import org.postloom.smtp.MemoryStore;
import org.postloom.smtp.SessionSettings;
import org.postloom.smtp.TestSettings;

/** A real listener on a free loopback port, with the in-memory store behind it. */
final class LiveServer implements AutoCloseable {

    static final ConnectionSettings QUICK = new ConnectionSettings(
            Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(5), 1000);

    final MemoryStore store = new MemoryStore();
    final SmtpServer server;

    LiveServer() {
        this(TestSettings.session(), QUICK, ConnectionLimits.of(100), TlsUpgrade.NONE, false);
    }

    LiveServer(SessionSettings session, ConnectionSettings connection, ConnectionLimits limits, TlsUpgrade tls,
               boolean implicitTls) {
        server = new SmtpServer(List.of(new SmtpServer.Listener(new InetSocketAddress("127.0.0.1", 0), implicitTls)),
                session, connection, limits, store, tls, Clock.systemUTC(), SmtpMetrics.none(), MessageSigner.NONE);
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    InetSocketAddress address() {
        return server.boundAddresses().getFirst();
    }

    SmtpClient connect() {
        return connectFrom("127.0.0.1");
    }

    SmtpClient connectFrom(String localAddress) {
        return SmtpClient.connect(address(), localAddress);
    }

    @Override
    public void close() {
        server.close();
    }
}
