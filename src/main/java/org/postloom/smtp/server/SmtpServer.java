package org.postloom.smtp.server;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.postloom.smtp.SessionSettings;
import org.postloom.smtp.SmtpSession;
import org.postloom.intake.MessageSigner;
import org.postloom.intake.MessageStore;
import org.postloom.mail.QueueId;
import org.postloom.smtp.Admission;

/**
 * The SMTP listeners. Every accepted connection gets its own virtual thread running plain
 * blocking code; past the connection limit a new client hears 421 and is closed at once.
 */
public final class SmtpServer implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("org.postloom.smtp");

    /** One address to listen on; {@code implicitTls} for SMTPS (RFC 8314 3.3). */
    public record Listener(InetSocketAddress address, boolean implicitTls) {}

    private final List<Listener> listeners;
    private final SessionSettings sessionSettings;
    private final ConnectionSettings connectionSettings;
    private final ConnectionLimits limits;
    private final ClientCounter perClient = new ClientCounter();
    private final MessageStore store;
    private final Admission admission;
    private final TlsUpgrade tls;
    private final Clock clock;
    private final SmtpMetrics metrics;
    private final MessageSigner signer;
    private final AtomicInteger open = new AtomicInteger();
    private final List<ServerSocket> sockets = new ArrayList<>();
    private volatile boolean closed;
    private volatile boolean draining;
    private final Set<SmtpConnection> connections = ConcurrentHashMap.newKeySet();

    public SmtpServer(List<Listener> listeners, SessionSettings sessionSettings, ConnectionSettings connectionSettings,
                      ConnectionLimits limits, MessageStore store, TlsUpgrade tls, Clock clock, SmtpMetrics metrics,
                      MessageSigner signer) {
        this.listeners = List.copyOf(listeners);
        this.sessionSettings = sessionSettings;
        this.connectionSettings = connectionSettings;
        this.limits = limits;
        this.store = store;
        this.admission = new StoreAdmission(store);
        this.tls = tls;
        this.clock = clock;
        this.metrics = metrics;
        this.signer = signer;
        metrics.registry().gauge("postloom.smtp.connections.open", open);
    }

    /** Binds every listener (failing if any address is taken), then starts accepting. */
    public void start() throws IOException {
        for (Listener listener : listeners) {
            ServerSocket server = new ServerSocket();
            server.setReuseAddress(true);
            try {
                server.bind(listener.address(), 4096);
            } catch (IOException e) {
                close();
                throw new IOException("cannot listen on " + listener.address() + ": " + e.getMessage(), e);
            }
            sockets.add(server);
            Thread.ofVirtual().name("smtp-accept-" + server.getLocalPort()).start(() -> accept(server, listener.implicitTls()));
            LOG.log(System.Logger.Level.INFO, "listening address=" + server.getLocalSocketAddress()
                    + (listener.implicitTls() ? " tls=implicit" : ""));
        }
    }

    /** The addresses actually bound, in listener order (a port of 0 picks a free one). */
    public List<InetSocketAddress> boundAddresses() {
        return sockets.stream().map(s -> (InetSocketAddress) s.getLocalSocketAddress()).toList();
    }

    private void accept(ServerSocket server, boolean implicitTls) {
        while (!closed) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                if (!closed) LOG.log(System.Logger.Level.ERROR, "accept failed on " + server.getLocalSocketAddress(), e);
                if (server.isClosed()) return;
                continue;
            }
            if (draining) {
                open.incrementAndGet();
                Thread.ofVirtual().start(() -> refuse(socket, "4.3.2", "Service shutting down", "shutdown"));
            } else if (open.incrementAndGet() > limits.total()) {
                metrics.refused();
                Thread.ofVirtual().start(() -> refuse(socket, "4.7.0", "Too many connections, try again later",
                        "connection-limit limit=" + limits.total()));
            } else {
                boolean counted = !limits.isExempt(socket.getInetAddress());
                if (counted && !perClient.tryAcquire(socket.getInetAddress(), limits.perClient())) {
                    metrics.refused();
                    Thread.ofVirtual().start(() -> refuse(socket, "4.7.0", "Too many connections from your address",
                            "client-connection-limit limit=" + limits.perClient()));
                    continue;
                }
                metrics.connected();
                Thread.ofVirtual().name("smtp-" + socket.getInetAddress().getHostAddress() + ":" + socket.getPort())
                        .start(() -> serve(socket, implicitTls, counted));
            }
        }
    }

    /** @param counted whether the session holds one of its address's slots (see {@link ClientCounter}) */
    private void serve(Socket socket, boolean implicitTls, boolean counted) {
        String client = socket.getInetAddress().getHostAddress() + ":" + socket.getPort();
        LOG.log(System.Logger.Level.INFO, () -> "connect client=" + client);
        try (socket) {
            socket.setTcpNoDelay(true);     // we batch replies ourselves (RFC 2920)
            SmtpSession session = new SmtpSession(sessionSettings, socket.getInetAddress(), clock, admission);
            SmtpConnection connection = new SmtpConnection(socket, session, store, signer, tls, connectionSettings, metrics);
            connections.add(connection);
            try {
                if (draining) connection.drain();
                connection.serve(implicitTls);
            } finally {
                connections.remove(connection);
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "connection client=" + client + " failed: " + e);
        } finally {
            if (counted) perClient.release(socket.getInetAddress());
            open.decrementAndGet();
            LOG.log(System.Logger.Level.INFO, () -> "disconnect client=" + client);
        }
    }

    /** RFC 5321 3.1: a server that cannot serve may answer 421 at once and close. */
    private void refuse(Socket socket, String status, String text, String reason) {
        try (socket; OutputStream out = socket.getOutputStream()) {
            out.write(("421 " + status + " " + sessionSettings.hostname() + " " + text + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
        } catch (IOException ignored) {
            // the client left first
        } finally {
            open.decrementAndGet();
        }
        LOG.log(System.Logger.Level.WARNING, "refused client=" + socket.getInetAddress().getHostAddress() + " reason=" + reason);
    }

    /**
     * A graceful stop: new clients hear 421 4.3.2, idle sessions are told the same at once, and
     * sessions inside a transaction may finish it until {@code grace} runs out; then the rest are
     * cut off and the listeners close. Returns once every session has ended.
     */
    public void drain(Duration grace) {
        draining = true;
        connections.forEach(SmtpConnection::drain);
        long deadline = System.nanoTime() + grace.toNanos();
        while (!connections.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (!connections.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "grace time over: cutting off sessions=" + connections.size());
            connections.forEach(SmtpConnection::abort);
        }
        close();
    }

    @Override
    public void close() {
        closed = true;
        for (ServerSocket s : sockets) {
            try {
                s.close();
            } catch (SocketException ignored) {
                // already closed
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "closing " + s.getLocalSocketAddress() + ": " + e);
            }
        }
    }

    /** The session's admission questions, answered by the reception seam. */
    private record StoreAdmission(MessageStore store) implements Admission {
        @Override
        public boolean hasRoom() {
            return store.hasRoom();
        }

        @Override
        public QueueId nextQueueId() {
            return store.newQueueId();
        }
    }
}
