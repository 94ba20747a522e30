package org.postloom;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
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
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.postloom.admin.AdminServer;
import org.postloom.admin.Health;
import org.postloom.cluster.RedisLimits;
import org.postloom.config.HostPort;
import org.postloom.config.PostloomConfig;
import org.postloom.delivery.Bouncer;
import org.postloom.dkim.DkimKeys;
import org.postloom.dkim.DkimSettings;
import org.postloom.dkim.DkimSigner;
import org.postloom.intake.MessageSigner;
import org.postloom.delivery.DeliveryMetrics;
import org.postloom.delivery.DeliveryScheduler;
import org.postloom.delivery.EgressPools;
import org.postloom.delivery.EgressSource;
import org.postloom.delivery.schedule.ShapingPolicy;
import org.postloom.delivery.schedule.SharedLimits;
import org.postloom.mail.Envelope;
import org.postloom.mail.QueueId;
import org.postloom.intake.MessageStore;
import org.postloom.intake.IntakeException;
import org.postloom.delivery.Inbox;
import org.postloom.delivery.QueueControl;
import org.postloom.delivery.Router;
import org.postloom.delivery.SmtpTransport;
import org.postloom.dns.MxResolver;
import org.postloom.events.DeliveryEvents;
import org.postloom.dns.Resolution;
import org.postloom.inject.IdempotencyStore;
import org.postloom.inject.Injection;
import org.postloom.inject.Injector;
import org.postloom.inject.TenantRates;
import org.postloom.intake.Intake;
import org.postloom.smtp.server.SmtpMetrics;
import org.postloom.smtp.server.SmtpServer;
import org.postloom.smtp.server.TlsUpgrade;
import org.postloom.spool.Spool;
import org.postloom.tls.KeyMaterial;
import org.postloom.tls.ServerTls;
import org.postloom.dns.PolicyDns;
import org.postloom.tls.MtaSts;
import org.postloom.tls.OutboundTlsPolicy;
import org.postloom.tls.PolicyHttp;
import org.postloom.tls.TlsReports;
import org.postloom.tls.TrustRoots;
import org.postloom.mail.Mailbox;

/**
 * The relay put together from its parts, in the order the data flows backwards: the spool
 * first (it takes new messages at once and hands the live queue to delivery once recovery has
 * read it, in the background), then the delivery engine, the admin plane, and last the SMTP
 * listeners. A graceful stop goes the other way.
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
    private DeliveryEvents events;
    private AutoCloseable mtaStsRefresh;
    private AutoCloseable tlsReporting;
    private IdempotencyStore idempotency;
    private RedisLimits cluster;

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
        ShapingPolicy shaping = ShapingConfiguration.policy(config); // likewise a bad rate, regex or source
        Map<String, EgressSource> sources = ShapingConfiguration.sources(config, hostname);
        EgressPools pools = ShapingConfiguration.pools(config, sources, ShapingConfiguration.tenantPools(config));
        PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Files.createDirectories(config.spool().dir());

        checkAtLeast("postloom.spool.segment-size", config.spool().segmentSize(), 1 << 16);
        checkAtLeast("postloom.spool.compaction-bandwidth", config.spool().compactionBandwidth(), 1 << 16);
        // The inbox exists first: recovery publishes the live queue into it once it has read the spool.
        Inbox inbox = new Inbox();
        Timer forces = Timer.builder("postloom.spool.fsync").description("group commit fsync latency")
                .publishPercentileHistogram().register(metrics);
        DistributionSummary batchSize = DistributionSummary.builder("postloom.spool.batch.records")
                .description("records per group commit").register(metrics);
        spool = Spool.start(config.spool().dir(), settings.spoolOptions(clock), inbox::offer, (records, nanos) -> {
            forces.record(nanos, TimeUnit.NANOSECONDS);
            batchSize.record(records);
        });
        Gauge.builder("postloom.queue.messages", spool, s -> s.stats().messages()).register(metrics);
        Gauge.builder("postloom.queue.oldest.seconds", spool, s -> s.oldestArrival()
                .map(a -> Duration.between(a, clock.instant()).toSeconds()).orElse(0L)).register(metrics);
        spoolMetrics(metrics);

        Gauge.builder("postloom.spool.free.bytes", config.spool().dir(), Relay::usableBytes)
                .description("usable bytes on the spool's file system").register(metrics);
        events = DeliveryEvents.start(settings.events(), config.spool().dir(), spool, clock);
        events.backlogs().keySet().forEach(sink -> Gauge.builder("postloom.events.backlog", events,
                e -> e.backlogs().getOrDefault(sink, 0L)).tag("sink", sink).register(metrics));
        DeliveryMetrics deliveryMetrics = new DeliveryMetrics(metrics);
        Bouncer bouncer = new Bouncer(spool, m -> spool.openBody(m.queueId()), hostname, clock, config.limits().messageSize())
                .withMessages(config.delivery().bounceMessages());
        SharedLimits shared = sharedLimits(hostname, clock, metrics);
        delivery = delivery(hostname, inbox, bouncer, clock, deliveryMetrics, shaping, sources, pools, shared);
        if (cluster != null) cluster.wakeWith(delivery::wake);
        delivery.start();

        TenantConfig tenants = new TenantConfig(config, cluster != null ? cluster.tenantRates() : TenantRates.local(System::nanoTime));
        Counter queued = Counter.builder("postloom.messages.queued").description("messages queued, over SMTP and HTTP")
                .register(metrics);
        // Reception events are made durable just before each message is committed (issue 14).
        Intake intake = new Intake(events.receptions(withEgressSource(spool, pools)), signer, tenants.tenantOfSmtpUser,
                tenantCounter(metrics, tenants).andThen(envelope -> queued.increment()));
        QueueControl queueControl = new QueueControl(delivery, spool, events);
        siteMetrics(metrics, queueControl);
        idempotency = IdempotencyStore.open(config.spool().dir().resolve("idempotency.log"), Duration.ofHours(24), clock);
        Injector injector = new Injector(intake, hostname, config.limits().messageSize(), clock, id -> withdraw(queueControl, id));
        admin = new AdminServer(HostPort.parse(config.admin().listen()), config.admin().token(), health, metrics, queueControl,
                new Injection(AdminServer.json(), tenants.tenants, injector, idempotency, config.limits().messageSize(),
                        config.limits().recipients()), events.suppressions(), events.recent());
        admin.start();

        KeyMaterial keys = KeyMaterial.loadOrCreate(config.tls().cert(), config.tls().key(), config.spool().dir(), hostname);
        smtp = new SmtpServer(settings.listeners(), settings.session(hostname, keys != null), settings.connectionSettings(),
                settings.connectionLimits(), spool, TlsUpgrade.with(ServerTls.of(keys)), clock, new SmtpMetrics(metrics), intake);
        smtp.start();
        health.listening();
        LOG.log(System.Logger.Level.INFO, "started hostname=" + hostname + " spool=" + config.spool().dir());
        spool.beginRecovery(); // now, not before: the listeners' start does not share the CPU with it
    }

    /**
     * Completes exceptionally if the relay cannot go on: today only when recovery of the spool
     * meets a record it cannot decode (acknowledged mail would be lost if it went on).
     */
    public CompletableFuture<?> failure() {
        return spool.recovery().thenCompose(report -> new CompletableFuture<>());
    }

    private static void checkAtLeast(String setting, long value, long minimum) {
        if (value < minimum) throw new IllegalArgumentException(setting + "=" + value + ": must be at least " + minimum);
    }

    /** CONTRACT.md section 1: what the spool's files take, and what compaction rewrote. */
    private void spoolMetrics(PrometheusMeterRegistry metrics) {
        Gauge.builder("postloom.spool.disk.bytes", spool, Spool::diskBytes)
                .description("bytes of all spool files").register(metrics);
        Gauge.builder("postloom.spool.segments", spool, s -> s.stats().segments())
                .description("segment files").register(metrics);
        FunctionCounter.builder("postloom.spool.compacted.bytes", spool, s -> s.stats().compactedBytes())
                .description("bytes of live messages rewritten out of old segments").register(metrics);
    }

    public List<InetSocketAddress> smtpAddresses() {
        return smtp.boundAddresses();
    }

    public int adminPort() {
        return admin.port();
    }

    private DeliveryScheduler delivery(String hostname, Inbox inbox, Bouncer bouncer, Clock clock, DeliveryMetrics metrics,
                                       ShapingPolicy shaping, Map<String, EgressSource> sources, EgressPools pools,
                                       SharedLimits shared) {
        Function<String, Resolution> dns = resolver(metrics);
        SmtpTransport transport = new SmtpTransport(dns, config.delivery().port(), settings.clientSettings(hostname),
                spool::openBody, metrics, hostname, outboundTlsPolicy(hostname, clock));
        return new DeliveryScheduler(inbox, new Router(config.routes()), dns, transport, spool, bouncer,
                settings.delivery(shaping, pools, sources, hostname), clock, metrics, events, shared);
    }

    /** With {@code postloom.cluster.redis}: limits held in Redis by every node; else this node's alone. */
    private SharedLimits sharedLimits(String hostname, Clock clock, PrometheusMeterRegistry metrics) {
        Optional<RedisLimits.Settings> nodes = settings.cluster(hostname);
        if (nodes.isEmpty()) return SharedLimits.LOCAL;
        cluster = RedisLimits.start(nodes.get(), clock);
        Gauge.builder("postloom.cluster.redis.up", cluster, l -> l.redisUp() ? 1 : 0)
                .description("1 while Redis answers, 0 while each node applies its share alone").register(metrics);
        return cluster;
    }

    /** The configured resolvers, or the system's; a relay without any still runs, and defers MX mail. */
    private Function<String, Resolution> resolver(DeliveryMetrics metrics) {
        try {
            return MxResolver.create(settings.dnsServers(), config.dns().timeout(), metrics::dnsLookup)::resolve;
        } catch (IllegalStateException noResolvers) {
            LOG.log(System.Logger.Level.WARNING, "no DNS resolvers: mail to MX destinations waits until postloom.dns.servers is set");
            return domain -> new Resolution.TemporaryFailure("no DNS resolvers configured");
        }
    }

    /**
     * DANE and MTA-STS (CONTRACT.md 6): both ask the configured resolvers, DANE trusting their AD
     * bit; MTA-STS policies are cached in the spool and refreshed in the background.
     */
    private OutboundTlsPolicy outboundTlsPolicy(String hostname, Clock clock) {
        PostloomConfig.Delivery d = config.delivery();
        TrustRoots roots = TrustRoots.jdkAnd(config.tls().trustCa());
        PolicyDns dns;
        try {
            dns = PolicyDns.create(settings.dnsServers(), config.dns().timeout(), clock);
        } catch (IllegalStateException noResolvers) {
            return new OutboundTlsPolicy(Optional.empty(), Optional.empty(), roots, d.port());
        }
        Optional<MtaSts> mtaSts = Optional.empty();
        if (d.mtaSts()) {
            var http = new PolicyHttp(dns::addresses, roots, config.dns().timeout());
            MtaSts policies = new MtaSts(dns::txt, http, config.spool().dir().resolve("mta-sts"), clock);
            mtaStsRefresh = policies.refreshEvery(d.mtaStsRefresh());
            mtaSts = Optional.of(policies);
        }
        LOG.log(System.Logger.Level.INFO, "outbound-tls dane=" + d.dane() + " mta-sts=" + d.mtaSts()
                + " trust-ca=" + config.tls().trustCa().map(Object::toString).orElse("none"));
        return new OutboundTlsPolicy(d.dane() ? Optional.of(dns) : Optional.empty(), mtaSts, roots, d.port(),
                tlsReports(hostname, dns, roots, clock));
    }

    /** RFC 8460 reports, mailed through our own spool (null sender, so that they never bounce in a loop). */
    private Optional<TlsReports> tlsReports(String hostname, PolicyDns dns, TrustRoots roots, Clock clock) {
        PostloomConfig.TlsRpt r = config.tlsRpt();
        if (!r.enabled()) return Optional.empty();
        var submitter = settings.tlsReportSubmitter(hostname);
        TlsReports.Mailer mailer = (to, message) -> {
            int at = to.lastIndexOf('@');
            Envelope envelope = new Envelope(spool.newQueueId(), Mailbox.NULL, List.of(new Mailbox(to.substring(0, at), to.substring(at + 1))),
                    Envelope.BodyType.SEVEN_BIT, false, clock.instant(), "tls-rpt", "");
            try (var reception = spool.receive(envelope)) {
                reception.body().write(message);
                reception.commit();
            }
        };
        var reports = new TlsReports(config.spool().dir().resolve("tls-rpt"), clock, r.interval(), submitter, dns::txt,
                new PolicyHttp(dns::addresses, roots, config.dns().timeout()), mailer);
        tlsReporting = reports.sendEvery(settings.tlsReportCheck());
        return Optional.of(reports);
    }

    /** DKIM keys are read now, so a bad one stops the start (the message names the file). */
    private MessageSigner signer(Clock clock) {
        DkimKeys keys = DkimKeys.load(config.dkim());
        DkimSettings dkim = settings.dkim();
        LOG.log(System.Logger.Level.INFO, "dkim domains=" + keys.domains() + " c=" + dkim.headers().tagName()
                + "/" + dkim.body().tagName());
        return DkimSigner.of(keys, dkim, clock);
    }

    /** Reception that stores each message with the egress source chosen for it now, which it keeps. */
    private static MessageStore withEgressSource(Spool spool, EgressPools pools) {
        return new MessageStore() {
            @Override
            public QueueId newQueueId() {
                return spool.newQueueId();
            }

            @Override
            public boolean hasRoom() {
                return spool.hasRoom();
            }

            @Override
            public Reception receive(Envelope envelope) throws IntakeException {
                return spool.receive(envelope.withEgressSource(pools.choose(envelope)));
            }
        };
    }

    /** {@code postloom_tenant_messages_total{tenant}}: only configured tenants' names become labels. */
    private static Consumer<Envelope> tenantCounter(PrometheusMeterRegistry metrics, TenantConfig tenants) {
        Map<String, Counter> counters = tenants.tenants.names().stream().collect(Collectors.toMap(n -> n,
                n -> Counter.builder("postloom.tenant.messages").tag("tenant", n)
                        .description("messages queued for the tenant, over HTTP and SMTP").register(metrics)));
        return envelope -> {
            Counter c = counters.get(envelope.tenant());
            if (c != null) c.increment();
        };
    }

    /** Takes back a message of a request that failed as a whole (see {@link Injector}). */
    private static void withdraw(QueueControl queue, QueueId id) {
        try {
            queue.withdraw(id);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "could not withdraw id=" + id + " of a failed injection: " + e);
        }
    }

    /** Egress paths held or throttled now, by a reply rule or an operator (counts: no site names as labels). */
    private static void siteMetrics(PrometheusMeterRegistry metrics, QueueControl queue) {
        Gauge.builder("postloom.sites.suspended", queue, q -> q.sites().stream().flatMap(s -> s.paths().stream())
                .filter(p -> p.suspendedUntil() != null).count()).description("egress paths suspended now").register(metrics);
        Gauge.builder("postloom.sites.throttled", queue, q -> q.sites().stream().flatMap(s -> s.paths().stream())
                .filter(p -> p.throttledUntil() != null).count()).description("egress paths throttled now").register(metrics);
    }

    private static double usableBytes(java.nio.file.Path dir) {
        try {
            return Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            return Double.NaN; // the spool's own writes report the failure
        }
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
        if (idempotency != null) idempotency.close();
        if (delivery != null) delivery.drain(grace);
        for (AutoCloseable background : new AutoCloseable[] {mtaStsRefresh, tlsReporting}) {
            try {
                if (background != null) background.close();
            } catch (Exception ignored) {
                // a stopped daemon thread
            }
        }
        if (cluster != null) cluster.close();
        if (spool != null) spool.close();
        // After the spool: its last commits carry the journal's last lines; closing forces them to the journal's file.
        if (events != null) events.close();
        LOG.log(System.Logger.Level.INFO, "stopped");
    }
}
