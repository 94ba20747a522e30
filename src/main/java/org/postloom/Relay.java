package org.postloom;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.time.Clock;
import java.util.ArrayList;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.postloom.delivery.Bouncer;
import org.postloom.delivery.DeliveryScheduler;
import org.postloom.delivery.DeliverySettings;
import org.postloom.delivery.Inbox;
import org.postloom.delivery.NextHop;
import org.postloom.delivery.RetryPolicy;
import org.postloom.delivery.Router;
import org.postloom.delivery.SmtpTransport;
import org.postloom.delivery.client.ClientSettings;
import org.postloom.delivery.client.ClientTimeouts;
import org.postloom.delivery.client.TlsPolicy;
import org.postloom.dns.MxResolver;
import org.postloom.dns.Resolution;
import org.postloom.config.HostPort;
import org.postloom.config.PostloomConfig;
import org.postloom.smtp.RelayPolicy;
import org.postloom.smtp.SessionSettings;
import org.postloom.smtp.server.ConnectionSettings;
import org.postloom.smtp.server.SmtpServer;
import org.postloom.smtp.server.TlsUpgrade;
import org.postloom.spool.Spool;
import org.postloom.spool.SpoolOptions;
import org.postloom.tls.KeyMaterial;
import org.postloom.tls.ServerTls;

/**
 * The relay put together from its parts: the spool first (recovery must finish before anyone is
 * told 250, and publishes the live queue to delivery), then the delivery engine, key material and
 * the SMTP listeners. Closing stops them in reverse order.
 */
public final class Relay implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("org.postloom");

    private final Spool spool;
    private final DeliveryScheduler delivery;
    private final SmtpServer smtp;

    private Relay(Spool spool, DeliveryScheduler delivery, SmtpServer smtp) {
        this.spool = spool;
        this.delivery = delivery;
        this.smtp = smtp;
    }

    public static Relay start(PostloomConfig config) throws IOException {
        String hostname = config.hostname().filter(h -> !h.isBlank()).orElseGet(Relay::machineName);
        Files.createDirectories(config.spool().dir());
        Clock clock = Clock.systemUTC();
        // The inbox exists first: recovery publishes the live queue into it during open().
        Inbox inbox = new Inbox();
        Spool spool = Spool.open(config.spool().dir(), SpoolOptions.defaults(), inbox::offer);
        DeliveryScheduler delivery = null;
        try {
            delivery = delivery(config, hostname, inbox, spool, clock);
            delivery.start();
            KeyMaterial keys = KeyMaterial.loadOrCreate(config.tls().cert(), config.tls().key(),
                    config.spool().dir(), hostname);
            SmtpServer smtp = new SmtpServer(listeners(config), sessionSettings(config, hostname),
                    connectionSettings(config), config.limits().connections(), spool,
                    TlsUpgrade.with(ServerTls.of(keys)), clock);
            smtp.start();
            LOG.log(System.Logger.Level.INFO, "started hostname=" + hostname + " spool=" + config.spool().dir()
                    + " recovered=" + spool.recovery().messages());
            return new Relay(spool, delivery, smtp);
        } catch (IOException | RuntimeException e) {
            if (delivery != null) delivery.close();
            spool.close();
            throw e;
        }
    }

    private static DeliveryScheduler delivery(PostloomConfig config, String hostname, Inbox inbox, Spool spool, Clock clock) {
        PostloomConfig.Delivery d = config.delivery();
        Set<String> verified = d.requireVerifiedTls().orElse(List.of()).stream()
                .map(s -> s.strip().toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        ClientSettings base = ClientSettings.defaults(hostname)
                .withTimeouts(ClientTimeouts.rfc5321().withConnect(d.connectTimeout()));
        ClientSettings strict = base.withTlsPolicy(TlsPolicy.REQUIRED_VERIFIED);
        SmtpTransport transport = new SmtpTransport(resolver(config), d.port(),
                hop -> hop instanceof NextHop.Mx mx && verified.contains(mx.domain()) ? strict : base,
                spool::openBody);
        Map<String, Integer> perDestination = d.destinations().entrySet().stream()
                .collect(Collectors.toMap(e -> unquote(e.getKey()), e -> e.getValue().maxConnections()));
        DeliverySettings settings = new DeliverySettings(d.maxConnections(), d.connectionsPerDestination(), perDestination,
                d.messagesPerConnection(), new RetryPolicy(d.minBackoff(), d.maxBackoff(), d.maxQueueLifetime(), 0.2));
        Bouncer bouncer = new Bouncer(spool, m -> spool.openBody(m.queueId()), hostname, clock);
        return new DeliveryScheduler(inbox, new Router(config.routes()), transport, spool, bouncer, settings, clock);
    }

    /** The configured resolvers, or the system's; a relay without any still runs, and defers MX mail. */
    private static Function<String, Resolution> resolver(PostloomConfig config) {
        List<InetSocketAddress> servers = config.dns().servers().orElse(List.of()).stream()
                .filter(s -> !s.isBlank()).map(s -> s.contains(":") ? HostPort.parse(s) : new InetSocketAddress(s, 53))
                .toList();
        try {
            return MxResolver.create(servers, Duration.ofSeconds(10))::resolve;
        } catch (IllegalStateException noResolvers) {
            LOG.log(System.Logger.Level.WARNING, "no DNS resolvers: mail to MX destinations waits until postloom.dns.servers is set");
            return domain -> new Resolution.TemporaryFailure("no DNS resolvers configured");
        }
    }

    /** SmallRye keeps the quotes of a quoted map key such as {@code destinations."gmail.com"}. */
    private static String unquote(String key) {
        return key.length() >= 2 && key.startsWith("\"") && key.endsWith("\"") ? key.substring(1, key.length() - 1) : key;
    }

    public List<InetSocketAddress> smtpAddresses() {
        return smtp.boundAddresses();
    }

    private static List<SmtpServer.Listener> listeners(PostloomConfig config) {
        List<SmtpServer.Listener> out = new ArrayList<>();
        config.smtp().listen().forEach(a -> out.add(new SmtpServer.Listener(HostPort.parse(a), false)));
        config.smtp().implicitTlsListen().orElse(List.of()).stream().filter(a -> !a.isBlank())
                .forEach(a -> out.add(new SmtpServer.Listener(HostPort.parse(a), true)));
        return out;
    }

    private static SessionSettings sessionSettings(PostloomConfig config, String hostname) {
        return new SessionSettings(hostname, config.limits().messageSize(), config.limits().recipients(),
                config.limits().errors(), true,
                RelayPolicy.of(config.relay().networks(), config.relay().domains().orElse(List.of())));
    }

    private static ConnectionSettings connectionSettings(PostloomConfig config) {
        return new ConnectionSettings(config.smtp().commandTimeout(), config.smtp().dataTimeout(),
                config.smtp().handshakeTimeout(), config.limits().lineLength());
    }

    /** The machine's own name, asked once at start (never on a hot path). */
    private static String machineName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    @Override
    public void close() {
        smtp.close();
        delivery.close();
        spool.close();
        LOG.log(System.Logger.Level.INFO, "stopped");
    }
}
