package org.postloom.delivery.client;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.postloom.smtp.MemoryStore;
import org.postloom.smtp.RelayPolicy;
import org.postloom.smtp.SessionSettings;
import org.postloom.smtp.server.ConnectionLimits;
import org.postloom.smtp.server.ConnectionSettings;
import org.postloom.intake.MessageSigner;
import org.postloom.smtp.server.SmtpMetrics;
import org.postloom.smtp.server.SmtpServer;
import org.postloom.smtp.server.TlsUpgrade;
import org.postloom.tls.KeyMaterial;
import org.postloom.tls.ServerTls;

/**
 * Postloom's own SMTP server on a loopback address, keeping messages in memory. It offers
 * PIPELINING, SIZE 10000, 8BITMIME, SMTPUTF8, CHUNKING and (with keys) STARTTLS; it takes at most
 * 5 recipients, lets 127.0.0.1 relay anywhere and others only to {@code relay.test}.
 */
final class OwnServer implements AutoCloseable {

    static final String NAME = "mx.test";
    static final long SIZE_LIMIT = 10_000;
    static final int MAX_RECIPIENTS = 5;

    final MemoryStore store = new MemoryStore();
    private final SmtpServer server;

    private OwnServer(String host, TlsUpgrade tls, boolean tlsAvailable) throws IOException {
        var session = new SessionSettings(NAME, SIZE_LIMIT, MAX_RECIPIENTS, 10, tlsAvailable,
                RelayPolicy.of(List.of("127.0.0.1/32"), List.of("relay.test")));
        var connection = new ConnectionSettings(Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(5), 1000);
        server = new SmtpServer(List.of(new SmtpServer.Listener(new InetSocketAddress(host, 0), false)), session,
                connection, ConnectionLimits.of(100), store, tls, Clock.systemUTC(), SmtpMetrics.none(),
                MessageSigner.NONE);
        server.start();
    }

    static OwnServer plain(String host) throws IOException {
        return new OwnServer(host, TlsUpgrade.NONE, false);
    }

    /** With STARTTLS and a self-signed certificate for {@link #NAME}, kept in {@code keys}. */
    static OwnServer withStartTls(String host, Path keys) throws IOException {
        var material = KeyMaterial.loadOrCreate(Optional.empty(), Optional.empty(), keys, NAME);
        return new OwnServer(host, TlsUpgrade.with(ServerTls.of(material)), true);
    }

    InetSocketAddress address() {
        return server.boundAddresses().getFirst();
    }

    @Override
    public void close() {
        server.close();
    }
}
