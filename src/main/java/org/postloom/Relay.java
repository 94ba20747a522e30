package org.postloom;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.postloom.admin.AdminServer;
import org.postloom.admin.Health;
import org.postloom.config.HostPort;
import org.postloom.config.PostloomConfig;
import org.postloom.delivery.Bouncer;
import org.postloom.dkim.DkimKeys;
import org.postloom.dkim.DkimSettings;
import org.postloom.dkim.DkimSigner;
import org.postloom.intake.MessageSigner;
import org.postloom.delivery.DeliveryMetrics;
import org.postloom.delivery.DeliveryScheduler;
import org.postloom.delivery.Inbox;
import org.postloom.delivery.QueueControl;
import org.postloom.delivery.Router;
import org.postloom.delivery.SmtpTransport;
import org.postloom.dns.MxResolver;
import org.postloom.dns.Resolution;
import org.postloom.smtp.server.SmtpMetrics;
import org.postloom.smtp.server.SmtpServer;
import org.postloom.smtp.server.TlsUpgrade;
import org.postloom.spool.Spool;
import org.postloom.tls.KeyMaterial;
import org.postloom.tls.ServerTls;

/**
 * The relay put together from its parts, in the order the data flows backwards: the spool
 * first (recovery must finish before anyone is told 250, and it hands the live queue to
 * delivery), then the delivery engine, the admin plane, and last the SMTP listeners. A graceful
 * stop goes the other way.
 */
public final class Relay implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("org.postloom");

    private final PostloomConfig config;
    private final RelaySettings settings;
    private final Health health;
    private Spool spool;
    private DeliveryScheduler delivery;
    private SmtpServer smtp;
    private AdminServer admin;

    private Relay(PostloomConfig config) {
        this.config = config;
        this.settings = new RelaySettings(config);
        this.health = new Health(() -> spool != null); // assigned once open() has recovered the queue
    }

    public static Relay start(PostloomConfig config) throws IOException {
        Relay relay = new Relay(config);
        try {
            relay.startParts();
            return relay;
        } catch (IOException | RuntimeException e) {
            relay.close();
            throw e;
        }
    }

    private void startParts() throws IOException {
        String hostname = settings.hostname();
        Clock clock = Clock.systemUTC();
        MessageSigner signer = signer(clock); // before anything starts: a bad key stops the start at once
        PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Files.createDirectories(config.spool().dir());

        // The inbox exists first: recovery publishes the live queue into it during open().
        Inbox inbox = new Inbox();
        Timer forces = Timer.builder("postloom.spool.fsync").description("group commit fsync latency")
                .publishPercentileHistogram().register(metrics);
        DistributionSummary batchSize = DistributionSummary.builder("postloom.spool.batch.records")
                .description("records per group commit").register(metrics);
        spool = Spool.open(config.spool().dir(), settings.spoolOptions(clock), inbox::offer, (records, nanos) -> {
            forces.record(nanos, TimeUnit.NANOSECONDS);
            batchSize.record(records);
        });
        Gauge.builder("postloom.queue.messages", spool, s -> s.stats().messages()).register(metrics);
        Gauge.builder("postloom.queue.oldest.seconds", spool, s -> s.messages().stream()
                .mapToLong(m -> Duration.between(m.envelope().arrival(), clock.instant()).toSeconds())
                .max().orElse(0)).register(metrics);

        DeliveryMetrics deliveryMetrics = new DeliveryMetrics(metrics);
        Bouncer bouncer = new Bouncer(spool, m -> spool.openBody(m.queueId()), hostname, clock, config.limits().messageSize());
        delivery = delivery(hostname, inbox, bouncer, clock, deliveryMetrics);
        delivery.start();

        admin = new AdminServer(HostPort.parse(config.admin().listen()), config.admin().token(), health, metrics,
                new QueueControl(delivery, spool, bouncer));
        admin.start();

        KeyMaterial keys = KeyMaterial.loadOrCreate(config.tls().cert(), config.tls().key(), config.spool().dir(), hostname);
        smtp = new SmtpServer(settings.listeners(), settings.session(hostname, keys != null), settings.connectionSettings(),
                settings.connectionLimits(), spool, TlsUpgrade.with(ServerTls.of(keys)), clock, new SmtpMetrics(metrics), signer);
        smtp.start();
        health.listening();
        LOG.log(System.Logger.Level.INFO, "started hostname=" + hostname + " spool=" + config.spool().dir()
                + " recovered=" + spool.recovery().messages());
    }

    public List<InetSocketAddress> smtpAddresses() {
        return smtp.boundAddresses();
    }

    public int adminPort() {
        return admin.port();
    }

    private DeliveryScheduler delivery(String hostname, Inbox inbox, Bouncer bouncer, Clock clock, DeliveryMetrics metrics) {
        SmtpTransport transport = new SmtpTransport(resolver(metrics), config.delivery().port(),
                settings.clientSettings(hostname), spool::openBody, metrics, hostname);
        return new DeliveryScheduler(inbox, new Router(config.routes()), transport, spool, bouncer, settings.delivery(),
                clock, metrics);
    }

    /** The configured resolvers, or the system's; a relay without any still runs, and defers MX mail. */
    private Function<String, Resolution> resolver(DeliveryMetrics metrics) {
        List<InetSocketAddress> servers = settings.dnsServers();
        try {
            return MxResolver.create(servers, config.dns().timeout(), metrics::dnsLookup)::resolve;
        } catch (IllegalStateException noResolvers) {
            LOG.log(System.Logger.Level.WARNING, "no DNS resolvers: mail to MX destinations waits until postloom.dns.servers is set");
            return domain -> new Resolution.TemporaryFailure("no DNS resolvers configured");
        }
    }

    /** DKIM keys are read now, so a bad one stops the start (the message names the file). */
    private MessageSigner signer(Clock clock) {
        DkimKeys keys = DkimKeys.load(config.dkim());
        DkimSettings dkim = settings.dkim();
        LOG.log(System.Logger.Level.INFO, "dkim domains=" + keys.domains() + " c=" + dkim.headers().tagName()
                + "/" + dkim.body().tagName());
        return DkimSigner.of(keys, dkim, clock);
    }

    /**
     * A graceful stop, newest part first: readiness turns false; SMTP sessions finish their
     * transaction (new clients hear 421 4.3.2); couriers finish theirs; everything else stays
     * durable in the spool for the next start.
     */
    @Override
    public void close() {
        health.draining();
        Duration grace = config.shutdownGrace();
        if (smtp != null) smtp.drain(grace);
        if (admin != null) admin.close();
        if (delivery != null) delivery.drain(grace);
        if (spool != null) spool.close();
        LOG.log(System.Logger.Level.INFO, "stopped");
    }
}
