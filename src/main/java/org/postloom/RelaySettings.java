package org.postloom;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.postloom.auth.Authenticator;
import org.postloom.auth.FailureThrottle;
import org.postloom.auth.UsersFile;
import org.postloom.cluster.RedisLimits;
import org.postloom.config.HostPort;
import org.postloom.config.PostloomConfig;
import org.postloom.delivery.DeliverySettings;
import org.postloom.delivery.EgressPools;
import org.postloom.delivery.EgressSource;
import org.postloom.delivery.NextHop;
import org.postloom.delivery.RetryPolicy;
import org.postloom.delivery.client.ClientSettings;
import org.postloom.delivery.client.ClientTimeouts;
import org.postloom.delivery.client.TlsPolicy;
import org.postloom.delivery.schedule.ShapingPolicy;
import org.postloom.dkim.DkimSettings;
import org.postloom.events.EventSettings;
import org.postloom.smtp.Authentication;
import org.postloom.smtp.Cidr;
import org.postloom.smtp.RelayPolicy;
import org.postloom.smtp.SessionSettings;
import org.postloom.smtp.server.ConnectionLimits;
import org.postloom.smtp.server.ConnectionSettings;
import org.postloom.smtp.server.SmtpServer;
import org.postloom.spool.SpoolOptions;
import org.postloom.tls.TlsReports;

/**
 * Translates the configuration ({@link PostloomConfig}, where every default is written) into
 * each part's own settings, so that {@link Relay} only wires parts together. Blank entries of a
 * list setting are ignored everywhere, the same way (an environment variable set to "" means none).
 */
public final class RelaySettings {

    /** DNS servers given without a port listen on the standard one (RFC 1035 4.2). */
    private static final int DNS_PORT = 53;

    private final PostloomConfig config;

    public RelaySettings(PostloomConfig config) {
        this.config = config;
    }

    /** {@code postloom.hostname}, or the machine's name when it is unset or blank. */
    public String hostname() {
        return config.hostname().filter(h -> !h.isBlank()).orElseGet(RelaySettings::machineName);
    }

    /** Plain listeners, then implicit-TLS ones (RFC 8314). */
    public List<SmtpServer.Listener> listeners() {
        List<SmtpServer.Listener> out = new ArrayList<>();
        config.smtp().listen().forEach(a -> out.add(new SmtpServer.Listener(HostPort.parse(a), false)));
        nonBlank(config.smtp().implicitTlsListen()).forEach(a -> out.add(new SmtpServer.Listener(HostPort.parse(a), true)));
        return out;
    }

    /** @param tlsAvailable whether key material was loaded, so STARTTLS can be offered */
    public SessionSettings session(String hostname, boolean tlsAvailable) {
        return new SessionSettings(hostname, config.limits().messageSize(), config.limits().recipients(),
                config.limits().errors(), tlsAvailable,
                RelayPolicy.of(config.relay().networks(), nonBlank(config.relay().domains())), authentication());
    }

    /** AUTH from the users file, or off when {@code postloom.auth.users-file} is unset or blank. */
    public Authentication authentication() {
        return config.auth().usersFile().filter(p -> !p.toString().isBlank())
                .<Authentication>map(file -> new Authenticator(new UsersFile(file), new FailureThrottle()))
                .orElse(Authentication.NONE);
    }

    public ConnectionLimits connectionLimits() {
        return new ConnectionLimits(config.limits().connections(), config.limits().clientConnections(),
                nonBlank(config.limits().clientConnectionsExempt()).stream().map(Cidr::parse).toList());
    }

    public ConnectionSettings connectionSettings() {
        return new ConnectionSettings(config.smtp().commandTimeout(), config.smtp().dataTimeout(),
                config.smtp().handshakeTimeout(), config.limits().lineLength());
    }

    public SpoolOptions spoolOptions(Clock clock) {
        PostloomConfig.Spool s = config.spool();
        return new SpoolOptions(s.segmentSize(), s.memoryThreshold(), s.minFreeSpace(), config.limits().queue(),
                s.compactionBandwidth(), clock);
    }

    /** Delivery's settings around the traffic shaping, egress sources and pools read at start. */
    public DeliverySettings delivery(ShapingPolicy shaping, EgressPools pools, Map<String, EgressSource> sources,
                                     String hostname) {
        return new DeliverySettings(shaping, retry(), config.delivery().delayWarning(), pools, sources, hostname);
    }

    public RetryPolicy retry() {
        PostloomConfig.Delivery d = config.delivery();
        return new RetryPolicy(d.minBackoff(), d.maxBackoff(), d.maxQueueLifetime(), RetryPolicy.JITTER);
    }

    /**
     * Client settings per next hop: verified TLS (RFC 7672's "secure" level without DANE) for MX
     * destinations listed in {@code postloom.delivery.require-verified-tls}, opportunistic otherwise.
     */
    public Function<NextHop, ClientSettings> clientSettings(String hostname) {
        Set<String> verified = nonBlank(config.delivery().requireVerifiedTls()).stream()
                .map(s -> s.strip().toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        ClientSettings base = ClientSettings.defaults(hostname)
                .withTimeouts(ClientTimeouts.rfc5321().withConnect(config.delivery().connectTimeout()));
        ClientSettings strict = base.withTlsPolicy(TlsPolicy.REQUIRED_VERIFIED);
        return hop -> hop instanceof NextHop.Mx mx && verified.contains(mx.domain()) ? strict : base;
    }

    /** The configured resolvers ({@code host[:port]}); empty means the system's. */
    public List<InetSocketAddress> dnsServers() {
        return nonBlank(config.dns().servers()).stream()
                .map(s -> s.contains(":") ? HostPort.parse(s) : new InetSocketAddress(s, DNS_PORT))
                .toList();
    }

    /** Canonicalization, parent domains and signed headers; the keys are read by the caller. */
    public DkimSettings dkim() {
        DkimSettings settings = DkimSettings.defaults()
                .withCanonicalization(config.dkimCanonicalization())
                .withParentDomains(config.dkimParentDomains());
        List<String> headers = nonBlank(config.dkimHeaders());
        return headers.isEmpty() ? settings : settings.withSignedHeaders(headers);
    }

    private static List<String> nonBlank(Optional<List<String>> values) {
        return values.orElse(List.of()).stream().filter(v -> !v.isBlank()).toList();
    }

    /** The event journal's sinks, headers, back-off and suppression (CONTRACT.md section 3). */
    public EventSettings events() {
        PostloomConfig.Events e = config.events();
        return EventSettings.of(e.file(), e.fileMaxSize(), e.fileKeep(), e.webhook().url(), e.webhook().secret(),
                e.webhook().batchSize(), e.webhook().timeout(), e.kafka().bootstrapServers(), e.kafka().topic(),
                e.headers().orElse(List.of()), e.bounceClassesFile(), e.maxBackoff(),
                config.suppression().enabled(), config.suppression().classes());
    }

    /** With {@code postloom.cluster.redis} set: how this node joins the others; empty for one node alone. */
    public Optional<RedisLimits.Settings> cluster(String hostname) {
        PostloomConfig.Cluster c = config.cluster();
        return c.redis().filter(r -> !r.isBlank()).map(redis -> new RedisLimits.Settings(redis,
                c.node().filter(n -> !n.isBlank()).orElse(hostname), c.leaseTtl(), c.size()));
    }

    /** Who sends RFC 8460 reports: the organization and contact default to this host and its postmaster. */
    public TlsReports.Submitter tlsReportSubmitter(String hostname) {
        PostloomConfig.TlsRpt r = config.tlsRpt();
        return new TlsReports.Submitter(r.organization().orElse(hostname), r.contact().orElse("postmaster@" + hostname),
                hostname);
    }

    /**
     * How often due TLS reports are looked for: a quarter of the report interval, within 1 s and
     * 15 min (a day's report then goes out within a quarter of an hour of the day's end).
     */
    public Duration tlsReportCheck() {
        Duration check = config.tlsRpt().interval().dividedBy(4);
        if (check.compareTo(Duration.ofSeconds(1)) < 0) return Duration.ofSeconds(1);
        return check.compareTo(Duration.ofMinutes(15)) > 0 ? Duration.ofMinutes(15) : check;
    }

    /** The machine's own name, asked once at start (never on a hot path). */
    private static String machineName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
