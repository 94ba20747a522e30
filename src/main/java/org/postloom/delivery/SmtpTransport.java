package org.postloom.delivery;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.postloom.delivery.client.ClientSettings;
import org.postloom.delivery.client.MessageBody;
import org.postloom.delivery.client.OutboundConnection;
import org.postloom.delivery.client.Outcome;
import org.postloom.delivery.client.SiteFailure;
import org.postloom.delivery.client.TlsPolicy;
import org.postloom.dns.MailHost;
import org.postloom.dns.Resolution;
import org.postloom.mail.QueueId;
import org.postloom.smtp.Reply;
import org.postloom.tls.HostTlsPolicy;
import org.postloom.tls.OutboundTlsPolicy;
import org.postloom.tls.TlsResult;

/**
 * Delivery over SMTP: finds the next hop's hosts (MX records, or the fixed route), connects to
 * them in preference order until one takes the connection (RFC 5321 5.1), and sends the work
 * items over that one connection, reconnecting if the server closes it midway.
 */
public final class SmtpTransport implements Transport {

    private static final System.Logger LOG = System.getLogger("org.postloom.delivery");
    /** A next hop written as an address (a route to 127.0.0.9, say) needs no DNS. */
    private static final Pattern IP_LITERAL = Pattern.compile("[0-9.]+|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*");

    /** Opens a stored message's content (Received header and body, CRLF lines). */
    @FunctionalInterface
    public interface Bodies {
        InputStream open(QueueId id) throws IOException;
    }

    /** One address to try, with the name TLS should see, the TLS its policy demands, and where TLS-RPT hears of it. */
    private record Candidate(String name, InetSocketAddress address, HostTlsPolicy tls, Consumer<TlsResult> report) {}

    private static final Consumer<TlsResult> UNREPORTED = result -> {};

    private final Function<String, Resolution> dns;
    private final int mxPort;
    private final Function<NextHop, ClientSettings> settings;
    private final Bodies bodies;
    private final DeliveryMetrics metrics;
    private final String ourName;
    private final OutboundTlsPolicy tlsPolicy;
    private volatile boolean stopping;

    /**
     * @param dns      MX resolution ({@code MxResolver::resolve})
     * @param mxPort   the port for hosts found through MX records ({@code postloom.delivery.port})
     * @param settings the client settings for a destination (e.g. its TLS policy)
     * @param ourName  our own host name, to recognise ourselves among MX hosts
     */
    public SmtpTransport(Function<String, Resolution> dns, int mxPort, Function<NextHop, ClientSettings> settings,
                         Bodies bodies, DeliveryMetrics metrics, String ourName) {
        this(dns, mxPort, settings, bodies, metrics, ourName, OutboundTlsPolicy.opportunisticOnly());
    }

    /** @param tlsPolicy DANE and MTA-STS for MX destinations whose settings say {@link TlsPolicy#OPPORTUNISTIC} */
    public SmtpTransport(Function<String, Resolution> dns, int mxPort, Function<NextHop, ClientSettings> settings,
                         Bodies bodies, DeliveryMetrics metrics, String ourName, OutboundTlsPolicy tlsPolicy) {
        this.tlsPolicy = tlsPolicy;
        this.metrics = metrics;
        this.ourName = ourName.endsWith(".") ? ourName.substring(0, ourName.length() - 1) : ourName;
        this.dns = dns;
        this.mxPort = mxPort;
        this.settings = settings;
        this.bodies = bodies;
    }

    @Override
    public Session open(NextHop hop, EgressSource source) {
        return new OutboundSession(hop, source);
    }

    /** A hop's client settings as seen from an egress source: its EHLO name, its bound address. */
    private ClientSettings settingsFor(NextHop hop, EgressSource source) {
        ClientSettings base = settings.apply(hop).withEhloName(source.ehlo());
        return source.address().map(base::withBindAddress).orElse(base);
    }

    /**
     * One connection's worth of delivery on an egress path. The domains of one site share it, but
     * TLS policy belongs to each recipient domain (MTA-STS, DANE, require-verified-tls): each item
     * is routed for its own next hop, and the open connection carries it only if its host is one
     * of that hop's and was secured under an equal policy; otherwise the connection is closed and
     * a new one made under the item's policy, so mail never rides on a weaker policy's connection.
     */
    private final class OutboundSession implements Session {

        private final EgressSource source;
        private NextHop hop;
        private ClientSettings clientSettings;
        private Routing routing;
        /** Each domain's routing, looked up once per session however its items alternate. */
        private final Map<NextHop, Routing> routings = new HashMap<>();
        private OutboundConnection connection;
        private String host;
        private HostTlsPolicy connectedPolicy;
        private TlsResult lastTls;
        /** Where the item under way went; null until it goes over a connection. */
        private Landing landing;

        OutboundSession(NextHop hop, EgressSource source) {
            this.hop = hop;
            this.source = source;
        }

        @Override
        public Optional<List<Outcome>> deliver(Parcel item) {
            return stopping ? Optional.empty() : Optional.of(deliverOne(item));
        }

        private List<Outcome> deliverOne(Parcel item) {
            NextHop itemHop = item.item().hop() != null ? item.item().hop() : hop;
            if (routing == null || !itemHop.equals(hop)) routeFor(itemHop);
            int n = item.recipients().size();
            landing = null;
            if (routing.verdict() != null) return Collections.nCopies(n, routing.verdict());
            if (routing.candidates().isEmpty()) {
                return Collections.nCopies(n, new Outcome.Deferred(Reply.of(451, "4.4.4", "No usable address for " + hop), Outcome.Scope.SITE));
            }
            if (ignoresTlsPolicy(item, clientSettings)) return sendOnce(item, clientSettings.withTlsPolicy(TlsPolicy.OPPORTUNISTIC));
            if (connection == null || !connection.isReusable()) {
                if (connection != null) connection.close();
                connection = null;
                try {
                    Connected c = connect(routing.candidates(), clientSettings);
                    connection = c.connection();
                    host = c.host();
                    connectedPolicy = c.policy();
                    lastTls = connection.tls();
                } catch (SiteFailure e) {
                    lastTls = e.tls().orElse(null);
                    return Collections.nCopies(n, e.outcomeForRecipients());
                }
            }
            landing = landingOf(host, connection);
            return connection.send(item.message().envelope(), item.recipients(), body(item));
        }

        /** Routes for another domain of the site; the open connection stays only if it fits that domain's policy. */
        private void routeFor(NextHop next) {
            Routing nextRouting = routings.computeIfAbsent(next, SmtpTransport.this::candidates);
            ClientSettings nextSettings = settingsFor(next, source);
            boolean fits = connection != null && nextRouting.verdict() == null
                    && clientSettings != null && nextSettings.tlsPolicy() == clientSettings.tlsPolicy()
                    && nextRouting.candidates().stream().anyMatch(c -> c.name().equals(host) && c.tls().equals(connectedPolicy));
            if (connection != null && !fits) {
                connection.quit();
                connection = null;
            }
            hop = next;
            routing = nextRouting;
            clientSettings = nextSettings;
        }

        /**
         * RFC 8689 5: a message with {@code TLS-Required: No} (and without REQUIRETLS, which
         * overrides it, 4.1) goes even where this hop's TLS policy demands a verified certificate.
         */
        private boolean ignoresTlsPolicy(Parcel item, ClientSettings hopSettings) {
            if (hopSettings.tlsPolicy() != TlsPolicy.REQUIRED_VERIFIED || item.message().envelope().requireTls()) return false;
            // Buffered: the header scan reads a byte at a time, and the spool's stream reads the file per call.
            try (InputStream in = new BufferedInputStream(bodies.open(item.message().queueId()))) {
                return TlsRequiredHeader.saysNo(in);
            } catch (IOException e) {
                return false; // the policy holds; the attempt itself will report the unreadable body
            }
        }

        /** One item over a connection of its own, closed afterwards. */
        private List<Outcome> sendOnce(Parcel item, ClientSettings relaxed) {
            try {
                // The host policies were made for the verified level: this one message goes opportunistically.
                List<Candidate> opportunistic = routing.candidates().stream().map(c -> new Candidate(c.name(), c.address(),
                        OutboundConnection.levelPolicy(relaxed, c.name()), UNREPORTED)).toList();
                Connected c = connect(opportunistic, relaxed);
                landing = landingOf(c.host(), c.connection());
                try {
                    return c.connection().send(item.message().envelope(), item.recipients(), body(item));
                } finally {
                    c.connection().quit();
                }
            } catch (SiteFailure e) {
                return Collections.nCopies(item.recipients().size(), e.outcome());
            }
        }

        private MessageBody body(Parcel item) {
            QueueId id = item.message().queueId();
            return new MessageBody(item.message().bodySize(), () -> bodies.open(id));
        }

        @Override
        public boolean isReusable() {
            return connection != null && connection.isReusable() && !stopping;
        }

        @Override
        public String via() {
            String from = source.name().isEmpty() ? "" : " source=" + source.name();
            if (connection == null) return hop + from + (lastTls == null ? "" : " " + lastTls.logFields());
            return hop + from + " host=" + host + "[" + connection.address().getAddress().getHostAddress()
                    + "]:" + connection.address().getPort() + " " + connection.tls().logFields();
        }

        @Override
        public Optional<TlsResult> tls() {
            return Optional.ofNullable(lastTls);
        }

        @Override
        public Optional<Landing> landing() {
            return Optional.ofNullable(landing);
        }

        @Override
        public void close() {
            if (connection != null) connection.quit();
            connection = null;
        }
    }

    @Override
    public void stop() {
        stopping = true;
    }

    private static Landing landingOf(String host, OutboundConnection connection) {
        TlsResult tls = connection.tls();
        return new Landing(host, connection.address(), connection.localAddress(),
                tls.encrypted() ? tls.cipher().split(" ")[0] : null);
    }

    private record Connected(String host, OutboundConnection connection, HostTlsPolicy policy) {}

    /** Tries each candidate in order; throws the last site failure if none takes mail. */
    private static Connected connect(List<Candidate> candidates, ClientSettings settings) throws SiteFailure {
        SiteFailure last = null;
        for (Candidate c : candidates) {
            try {
                var connected = new Connected(c.name(), OutboundConnection.open(c.address(), c.name(), settings, c.tls()), c.tls());
                c.report().accept(connected.connection().tls());
                return connected;
            } catch (SiteFailure e) {
                e.tls().ifPresent(c.report());
                LOG.log(System.Logger.Level.INFO, "connect-failed host=" + c.name() + " address=" + c.address()
                        + " reply=\"" + e.getMessage() + "\"");
                last = e;
            }
        }
        throw last;
    }

    /** Either the hosts to try, or a verdict for every recipient (DNS said no, or not now). */
    private record Routing(List<Candidate> candidates, Outcome verdict) {}

    private Routing candidates(NextHop hop) {
        return switch (hop) {
            case NextHop.Fixed f -> hosts(hop, f.host(), f.port(), false);
            case NextHop.Mx m -> hosts(hop, m.domain(), mxPort, true);
        };
    }

    /** The TLS each host must give at the destination's fixed level (routes, require-verified-tls, literals). */
    private Function<String, HostTlsPolicy> tlsFor(NextHop hop) {
        ClientSettings hopSettings = settings.apply(hop);
        if (hopSettings.tlsPolicy() == TlsPolicy.REQUIRED_VERIFIED && hopSettings.verifier().isEmpty()) return tlsPolicy::verified;
        return name -> OutboundConnection.levelPolicy(hopSettings, name);
    }

    private Routing hosts(NextHop hop, String name, int port, boolean viaMx) {
        if (name.startsWith("[") && name.endsWith("]")) {
            // An address literal (RFC 5321 4.1.3): no DNS at all.
            String literal = name.substring(1, name.length() - 1);
            if (literal.regionMatches(true, 0, "IPv6:", 0, 5)) literal = literal.substring(5);
            return literal(hop, literal, port);
        }
        if (IP_LITERAL.matcher(name).matches()) return literal(hop, name, port);
        Resolution resolution = dns.apply(name);
        metrics.dnsResult(resolution);
        return switch (resolution) {
            case Resolution.Hosts h -> {
                List<MailHost> hosts = withoutOurselves(h.hosts());
                if (hosts.isEmpty()) {
                    yield verdict(new Outcome.Failed(Reply.of(554, "5.4.6",
                            "Mail for " + name + " loops back to myself (" + ourName + " is its best MX)"), Outcome.Scope.RECIPIENT));
                }
                // MX destinations at the opportunistic level: DANE and MTA-STS decide, once per session.
                boolean dynamic = hop instanceof NextHop.Mx && settings.apply(hop).tlsPolicy() == TlsPolicy.OPPORTUNISTIC;
                OutboundTlsPolicy.DomainTls domain = dynamic
                        ? tlsPolicy.forDomain(name, hosts.stream().map(MailHost::name).toList()) : null;
                Function<String, HostTlsPolicy> tls = domain != null ? domain::forHost : tlsFor(hop);
                List<Candidate> out = new ArrayList<>();
                for (MailHost host : hosts) {
                    HostTlsPolicy policy = tls.apply(host.name());
                    for (InetAddress a : host.addresses()) {
                        Consumer<TlsResult> report = domain == null ? UNREPORTED : result -> domain.report(host.name(), a, result);
                        out.add(new Candidate(host.name(), new InetSocketAddress(a, port), policy, report));
                    }
                }
                yield new Routing(out, null);
            }
            case Resolution.NullMx n -> verdict(new Outcome.Failed(
                    Reply.of(556, "5.1.10", "Recipient domain " + name + " accepts no mail (null MX, RFC 7505)"), Outcome.Scope.RECIPIENT));
            case Resolution.NoSuchDomain n -> verdict(new Outcome.Failed(
                    Reply.of(550, "5.1.2", "Host or domain name not found: " + name), Outcome.Scope.RECIPIENT));
            case Resolution.TemporaryFailure t -> verdict(new Outcome.Deferred(
                    Reply.of(451, "4.4.3", "Host or domain name lookup failed for " + name + ": " + t.reason()
                            + (viaMx ? "" : " (route)")), Outcome.Scope.SITE));
        };
    }

    /**
     * RFC 5321 5.1: if we are one of the domain's MX hosts, only hosts more preferred than us may
     * be tried; otherwise the mail would come back to us, or go round.
     */
    private List<MailHost> withoutOurselves(List<MailHost> hosts) {
        int ours = hosts.stream().filter(h -> h.name().equalsIgnoreCase(ourName)).mapToInt(MailHost::preference)
                .min().orElse(Integer.MAX_VALUE);
        return hosts.stream().filter(h -> h.preference() < ours).toList();
    }

    private Routing literal(NextHop hop, String address, int port) {
        try {
            var target = new InetSocketAddress(InetAddress.ofLiteral(address), port);
            return new Routing(List.of(new Candidate(address, target, tlsFor(hop).apply(address), UNREPORTED)), null);
        } catch (IllegalArgumentException e) {
            return verdict(new Outcome.Failed(Reply.of(550, "5.1.2", "Bad address literal " + address), Outcome.Scope.RECIPIENT));
        }
    }

    private static Routing verdict(Outcome outcome) {
        return new Routing(List.of(), outcome);
    }

    private static List<List<Outcome>> allAlike(List<Parcel> items, Outcome outcome) {
        return items.stream().map(i -> Collections.nCopies(i.recipients().size(), outcome)).toList();
    }
}
