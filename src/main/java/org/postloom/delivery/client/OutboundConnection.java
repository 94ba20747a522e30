package org.postloom.delivery.client;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLException;
import org.postloom.mail.Envelope;
import org.postloom.smtp.Reply;
import org.postloom.tls.ClientTls;
import org.postloom.tls.TlsConnection;

/**
 * One outbound SMTP connection to one next-hop server, reused for many transactions: connect, read
 * the greeting, EHLO (HELO if refused), STARTTLS as {@link TlsPolicy} says, then {@link #send} as
 * often as the caller likes, and {@link #quit()}. It judges each attempt; retrying is the caller's
 * business. Not thread-safe: one courier thread owns it.
 */
public final class OutboundConnection implements AutoCloseable {

    private final Wire wire;
    private final InetSocketAddress address;
    private final ClientSettings settings;
    private final Reply greeting;
    private final Capabilities capabilities;
    private final String tlsDescription;
    private final boolean serverAuthenticated;
    private boolean usable = true;

    private OutboundConnection(Wire wire, InetSocketAddress address, ClientSettings settings, Reply greeting,
                               Capabilities capabilities, String tlsDescription, boolean serverAuthenticated) {
        this.serverAuthenticated = serverAuthenticated;
        this.wire = wire;
        this.address = address;
        this.settings = settings;
        this.greeting = greeting;
        this.capabilities = capabilities;
        this.tlsDescription = tlsDescription;
    }

    /** The TLS handshake failed; only {@link TlsPolicy#OPPORTUNISTIC} may go on, on a new connection. */
    private static final class HandshakeFailed extends Exception {
        final SSLException cause;

        HandshakeFailed(SSLException cause) {
            super(cause);
            this.cause = cause;
        }
    }

    /**
     * Connects and makes the connection ready for mail.
     *
     * @param address    where to connect (an MX host's address and the delivery port)
     * @param serverName the host's name (the MX name): TLS SNI and, with
     *                   {@link TlsPolicy#REQUIRED_VERIFIED}, the name the certificate must carry
     * @throws SiteFailure with a site-scope outcome when the server cannot take mail now
     */
    public static OutboundConnection open(InetSocketAddress address, String serverName, ClientSettings settings)
            throws SiteFailure {
        Objects.requireNonNull(serverName);
        try {
            return attempt(address, serverName, settings, settings.tlsPolicy());
        } catch (HandshakeFailed e) {
            if (settings.tlsPolicy() != TlsPolicy.OPPORTUNISTIC) {
                throw new SiteFailure(ReplyClassifier.connectionFailed(e.cause, "in the TLS handshake with " + address));
            }
        }
        // Opportunistic TLS that failed spoils the connection: go again in clear text, as Postfix does.
        try {
            return attempt(address, serverName, settings, TlsPolicy.NONE);
        } catch (HandshakeFailed impossible) {
            throw new AssertionError("no handshake without TLS", impossible);
        }
    }

    private static OutboundConnection attempt(InetSocketAddress address, String serverName, ClientSettings settings,
                                              TlsPolicy tlsPolicy) throws SiteFailure, HandshakeFailed {
        var timeouts = settings.timeouts();
        Socket socket = new Socket();
        Wire wire = null;
        String stage = "while connecting to " + address;
        try {
            if (settings.bindAddress().isPresent()) socket.bind(new InetSocketAddress(settings.bindAddress().get(), 0));
            socket.connect(address, (int) Math.max(1, timeouts.connect().toMillis()));
            socket.setTcpNoDelay(true); // we group writes ourselves (RFC 2920)
            wire = new Wire(socket, timeouts.hello());
            stage = "while waiting for the greeting of " + address;
            Reply greeting = wire.read(timeouts.greeting());
            if (greeting.code() != 220) throw refusedBy(wire, greeting);
            stage = "after EHLO to " + address;
            Capabilities capabilities = hello(wire, settings);
            String tls = "";
            boolean authenticated = false;
            if (tlsPolicy != TlsPolicy.NONE) {
                stage = "after STARTTLS to " + address;
                TlsConnection secure = startTls(wire, capabilities, serverName, settings, tlsPolicy);
                if (secure != null) {
                    tls = secure.description();
                    authenticated = settings.tlsClient(tlsPolicy).orElseThrow().verifiesPeer();
                    stage = "after EHLO in TLS to " + address;
                    capabilities = hello(wire, settings);
                }
            }
            return new OutboundConnection(wire, address, settings, greeting, capabilities, tls, authenticated);
        } catch (IOException e) {
            closeQuietly(socket, wire);
            throw new SiteFailure(ReplyClassifier.connectionFailed(e, stage));
        } catch (SiteFailure | HandshakeFailed | RuntimeException e) {
            closeQuietly(socket, wire);
            throw e;
        }
    }

    /**
     * EHLO, or HELO when the server refuses EHLO with 5xx (RFC 5321 3.2: it may not know it). Any
     * other refusal is the site's.
     */
    private static Capabilities hello(Wire wire, ClientSettings settings) throws IOException, SiteFailure {
        var timeout = settings.timeouts().hello();
        wire.command("EHLO " + settings.ehloName());
        Reply ehlo = wire.read(timeout);
        if (ehlo.code() == 250) return Capabilities.parse(ehlo);
        if (!ehlo.isPermanent()) throw refusedBy(wire, ehlo);
        wire.command("HELO " + settings.ehloName());
        Reply helo = wire.read(timeout);
        if (helo.code() != 250) throw refusedBy(wire, helo);
        return Capabilities.NONE;
    }

    /**
     * RFC 3207. Returns null when going on in clear text is allowed. Bytes the server sent after its
     * 220 and before the handshake would be taken as if they came inside TLS: that is an injection
     * (the client side of CVE-2011-0411), so the connection is given up.
     */
    private static TlsConnection startTls(Wire wire, Capabilities capabilities, String serverName,
                                          ClientSettings settings, TlsPolicy policy)
            throws IOException, SiteFailure, HandshakeFailed {
        boolean required = policy == TlsPolicy.REQUIRED_VERIFIED;
        if (!capabilities.startTls()) {
            if (required) throw new SiteFailure(ReplyClassifier.tlsNotOffered("it was not offered by the server"));
            return null;
        }
        wire.command("STARTTLS");
        Reply ready = wire.read(settings.timeouts().hello());
        if (ready.code() != 220) {
            if (ready.code() == 421 || required) {
                throw new SiteFailure(ready.code() == 421 ? ReplyClassifier.refused(ready, Outcome.Scope.SITE)
                        : ReplyClassifier.tlsNotOffered("STARTTLS was refused: " + ready.toString().strip()));
            }
            return null; // RFC 3207 4: the session goes on as before, in clear text
        }
        if (wire.hasUnreadInput()) throw new SiteFailure(ReplyClassifier.protocolError("data after the 220 to STARTTLS"));
        ClientTls client = settings.tlsClient(policy).orElseThrow();
        Socket plain = wire.plainSocket();
        TlsConnection secure;
        try {
            plain.setSoTimeout((int) Math.max(1, settings.timeouts().hello().toMillis()));
            secure = client.upgrade(plain, serverName);
        } catch (SSLException e) {
            throw new HandshakeFailed(e);
        }
        wire.secure(secure.socket(), settings.timeouts().hello());
        return secure;
    }

    /** The server refused to go on: say QUIT, as is polite, without waiting, and fail the site. */
    private static SiteFailure refusedBy(Wire wire, Reply reply) {
        try {
            if (reply.code() != 421) {
                wire.command("QUIT");
                wire.flush(Duration.ofSeconds(1));
            }
        } catch (IOException ignored) {
            // leaving anyway
        }
        return new SiteFailure(ReplyClassifier.refused(reply, Outcome.Scope.SITE));
    }

    /**
     * One transaction: the message to the recipients at {@code recipientIndexes} (positions in
     * {@link Envelope#recipients()}), several RCPT in one transaction. Never throws for what the
     * server or the network does: a dropped connection makes every recipient not already judged
     * {@link Outcome.Deferred} with site scope, and the connection unusable.
     *
     * @return one outcome per entry of {@code recipientIndexes}, in the same order
     * @throws IllegalStateException when the connection is not {@link #isReusable()}
     */
    public List<Outcome> send(Envelope envelope, List<Integer> recipientIndexes, MessageBody body) {
        if (!usable) throw new IllegalStateException("connection to " + address + " is not usable");
        if (recipientIndexes.isEmpty()) throw new IllegalArgumentException("no recipients");
        var transaction = new MailTransaction(wire, capabilities, settings, envelope, recipientIndexes, body,
                RequireTls.unmetBy(this));
        List<Outcome> outcomes = transaction.run();
        if (transaction.connectionLost()) {
            abandon();
        } else if (transaction.needsReset()) {
            reset();
        }
        return outcomes;
    }

    /** RFC 5321 4.1.1.5: clears what the server kept of a transaction that did not end well. */
    private void reset() {
        try {
            wire.command("RSET");
            if (wire.read(settings.timeouts().reset()).code() != 250) abandon();
        } catch (IOException e) {
            abandon();
        }
    }

    /** Whether another {@link #send} may be tried on this connection. */
    public boolean isReusable() {
        return usable;
    }

    /** Says QUIT, waits briefly for the answer, and closes. Never throws. */
    public void quit() {
        if (usable) {
            try {
                wire.command("QUIT");
                wire.read(settings.timeouts().reset());
            } catch (IOException ignored) {
                // the server left first; nothing was at stake
            }
        }
        abandon();
    }

    /** Closes without QUIT. */
    @Override
    public void close() {
        abandon();
    }

    private void abandon() {
        usable = false;
        wire.close();
    }

    public Capabilities capabilities() {
        return capabilities;
    }

    /** The TLS protocol and cipher, e.g. {@code TLSv1.3 TLS_AES_256_GCM_SHA384}; empty in clear text. */
    public String tlsDescription() {
        return tlsDescription;
    }

    /**
     * Whether the server's identity was checked, not only its traffic encrypted: today a
     * certificate verified for the MX name ({@link TlsPolicy#REQUIRED_VERIFIED}, the
     * {@code require-verified-tls} rule). MTA-STS and DANE are further ways to say yes.
     */
    public boolean serverAuthenticated() {
        return serverAuthenticated;
    }

    public Reply greeting() {
        return greeting;
    }

    public InetSocketAddress address() {
        return address;
    }

    private static void closeQuietly(Socket socket, Wire wire) {
        if (wire != null) {
            wire.close();
            return;
        }
        try {
            socket.close();
        } catch (IOException ignored) {
            // never connected
        }
    }
}
