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
import org.postloom.tls.HostTlsPolicy;
import org.postloom.tls.TlsConnection;
import org.postloom.tls.TlsPolicyKind;
import org.postloom.tls.TlsResult;

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
    private final TlsResult tls;
    private boolean usable = true;

    private OutboundConnection(Wire wire, InetSocketAddress address, ClientSettings settings, Reply greeting,
                               Capabilities capabilities, TlsResult tls) {
        this.wire = wire;
        this.address = address;
        this.settings = settings;
        this.greeting = greeting;
        this.capabilities = capabilities;
        this.tls = tls;
    }

    /** The TLS handshake failed where the policy lets mail go in clear text, on a new connection. */
    private static final class HandshakeFailed extends Exception {
        final transient TlsResult result;

        HandshakeFailed(SSLException cause, TlsResult result) {
            super(cause);
            this.result = result;
        }
    }

    /** STARTTLS with the connection's policy, and what it gave so far. */
    private static final class TlsState {
        final HostTlsPolicy.Secured policy;
        /** After a failed handshake where clear text is allowed: no STARTTLS, the failure kept for the log. */
        final boolean clearTextOnly;
        TlsResult result;

        TlsState(HostTlsPolicy.Secured policy, boolean clearTextOnly, TlsResult result) {
            this.policy = policy;
            this.clearTextOnly = clearTextOnly;
            this.result = result;
        }

        TlsState(HostTlsPolicy.Secured policy) {
            this(policy, false, new TlsResult(policy.kind(), "", false, java.util.Optional.empty()));
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
        return open(address, serverName, settings, levelPolicy(settings, serverName));
    }

    /**
     * The settings' fixed level (a route, {@code require-verified-tls}) as the policy of the host
     * {@code serverName}, verified against the settings' own anchors when they have some.
     */
    public static HostTlsPolicy levelPolicy(ClientSettings settings, String serverName) {
        return settings.tlsPolicy().forHost(serverName, settings.verifier());
    }

    /**
     * As {@link #open(InetSocketAddress, String, ClientSettings)}, with the host's own TLS policy
     * (DANE, MTA-STS) instead of the settings' level. A {@link HostTlsPolicy.Refused} host is not
     * even connected to; where the policy requires TLS nothing is ever sent in clear text: the
     * failure is a site failure with a 4.7.x status that carries the {@link TlsResult}.
     */
    public static OutboundConnection open(InetSocketAddress address, String serverName, ClientSettings settings,
                                          HostTlsPolicy tlsPolicy) throws SiteFailure {
        Objects.requireNonNull(serverName);
        HostTlsPolicy.Secured secured = switch (tlsPolicy) {
            case HostTlsPolicy.Refused refused -> throw new SiteFailure(ReplyClassifier.tlsPolicyRefused(refused.result()), refused.result());
            case HostTlsPolicy.Secured s -> s;
        };
        TlsState fallback;
        try {
            return attempt(address, serverName, settings, secured.kind() == TlsPolicyKind.NONE ? null : new TlsState(secured));
        } catch (HandshakeFailed e) {
            // Only where clear text is allowed (opportunistic, MTA-STS testing) does a failed handshake go on.
            fallback = new TlsState(secured, true, e.result);
        }
        // A failed handshake spoils the connection: go again in clear text, as Postfix does.
        try {
            return attempt(address, serverName, settings, fallback);
        } catch (HandshakeFailed impossible) {
            throw new AssertionError("no handshake without TLS", impossible);
        }
    }

    private static OutboundConnection attempt(InetSocketAddress address, String serverName, ClientSettings settings,
                                              TlsState tls) throws SiteFailure, HandshakeFailed {
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
            if (tls != null && !tls.clearTextOnly) {
                stage = "after STARTTLS to " + address;
                if (startTls(wire, capabilities, serverName, settings, tls)) {
                    stage = "after EHLO in TLS to " + address;
                    capabilities = hello(wire, settings);
                }
            }
            TlsResult result = tls == null ? new TlsResult(TlsPolicyKind.NONE, "", false, java.util.Optional.empty()) : tls.result;
            return new OutboundConnection(wire, address, settings, greeting, capabilities, result);
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
     * RFC 3207. Returns false when going on in clear text is allowed. Bytes the server sent after its
     * 220 and before the handshake would be taken as if they came inside TLS: that is an injection
     * (the client side of CVE-2011-0411), so the connection is given up.
     */
    private static boolean startTls(Wire wire, Capabilities capabilities, String serverName,
                                    ClientSettings settings, TlsState tls)
            throws IOException, SiteFailure, HandshakeFailed {
        boolean required = tls.policy.tlsRequired();
        if (!capabilities.startTls()) {
            return inClearText(tls, required, "it was not offered by the server");
        }
        wire.command("STARTTLS");
        Reply ready = wire.read(settings.timeouts().hello());
        if (ready.code() != 220) {
            if (ready.code() == 421) throw new SiteFailure(ReplyClassifier.refused(ready, Outcome.Scope.SITE));
            return inClearText(tls, required, "STARTTLS was refused: " + ready.toString().strip()); // RFC 3207 4
        }
        if (wire.hasUnreadInput()) throw new SiteFailure(ReplyClassifier.protocolError("data after the 220 to STARTTLS"));
        Socket plain = wire.plainSocket();
        HostTlsPolicy.Handshake secure;
        try {
            plain.setSoTimeout((int) Math.max(1, settings.timeouts().hello().toMillis()));
            secure = tls.policy.handshake(plain, serverName);
        } catch (HostTlsPolicy.Failed e) {
            tls.result = e.result();
            if (required) throw new SiteFailure(ReplyClassifier.tlsHandshakeFailed(e.result(), serverName), e.result());
            throw new HandshakeFailed(e.sslCause(), e.result());
        }
        tls.result = secure.result();
        wire.secure(secure.connection().socket(), settings.timeouts().hello());
        return true;
    }

    /** No TLS on offer: a site failure where the policy requires it, else clear text (and a note). */
    private static boolean inClearText(TlsState tls, boolean required, String why) throws SiteFailure {
        tls.result = tls.policy.notOffered(why);
        if (required) throw new SiteFailure(ReplyClassifier.tlsNotOffered(why + " (policy " + tls.policy.kind().word() + ")"), tls.result);
        return false;
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
        return tls.cipher();
    }

    /**
     * What TLS this connection has, under which policy; {@link TlsResult#authenticated()} answers
     * REQUIRETLS's question (RFC 8689 4.1: the MX was authenticated under DANE or MTA-STS).
     */
    public TlsResult tls() {
        return tls;
    }

    /**
     * Whether the server's identity was checked, not only its traffic encrypted: a certificate
     * verified under DANE, MTA-STS or {@link TlsPolicy#REQUIRED_VERIFIED} ({@link TlsResult#authenticated()}).
     */
    public boolean serverAuthenticated() {
        return tls.authenticated();
    }

    public Reply greeting() {
        return greeting;
    }

    public InetSocketAddress address() {
        return address;
    }

    /** The local address the connection is bound to (an egress source's, or the one the system chose). */
    public java.net.InetAddress localAddress() {
        return wire.plainSocket().getLocalAddress();
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
