package org.postloom;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.postloom.cluster.RedisLimits;
import org.postloom.config.ConfigLoader;
import org.postloom.delivery.DeliverySettings;
import org.postloom.delivery.EgressPools;
import org.postloom.delivery.NextHop;
import org.postloom.delivery.RetryPolicy;
import org.postloom.delivery.client.TlsPolicy;
import org.postloom.delivery.schedule.ShapingPolicy;
import org.postloom.dkim.Canonicalization;
import org.postloom.dkim.DkimSettings;
import org.postloom.smtp.Authentication;
import org.postloom.smtp.server.SmtpServer;
import org.postloom.spool.SpoolOptions;
import org.postloom.tls.TlsReports;

/** The translation of settings into each part's own, from a plain map of properties. */
class RelaySettingsTest {

    private static RelaySettings of(Map<String, String> properties) {
        return new RelaySettings(ConfigLoader.of(properties));
    }

    /** Delivery's settings around shaping and pools, which are read elsewhere (ShapingConfiguration). */
    private static DeliverySettings delivery(RelaySettings settings) {
        return settings.delivery(ShapingPolicy.standard(), EgressPools.none(), Map.of(), "relay.test");
    }

    @Test
    void defaultsComeFromTheMappingOnly() {
        RelaySettings settings = of(Map.of());
        Clock clock = Clock.systemUTC();
        assertThat(settings.spoolOptions(clock)).isEqualTo(new SpoolOptions(67_108_864, 131_072, 268_435_456,
                10_000_000, 33_554_432, clock));
        assertThat(settings.retry()).isEqualTo(new RetryPolicy(Duration.ofMinutes(1), Duration.ofHours(1), Duration.ofDays(5),
                RetryPolicy.JITTER));
        assertThat(settings.listeners()).containsExactly(new SmtpServer.Listener(new InetSocketAddress("127.0.0.1", 2525), false));
        assertThat(settings.dnsServers()).isEmpty();
        assertThat(settings.authentication()).isSameAs(Authentication.NONE);
        assertThat(settings.connectionLimits().exempt()).isEmpty();
        assertThat(delivery(settings).delayWarning()).isEqualTo(Duration.ofHours(4));
        assertThat(settings.dkim()).isEqualTo(DkimSettings.defaults());
        assertThat(settings.hostname()).isNotBlank();
    }

    @Test
    void listsIgnoreBlankEntriesAndDnsServersDefaultToPort53() throws Exception {
        RelaySettings settings = of(Map.of(
                "postloom.smtp.implicit-tls-listen", "127.0.0.1:4650",
                "postloom.dns.servers", "127.0.0.53,127.0.0.1:5399",
                "postloom.limits.client-connections-exempt", "10.0.0.0/8",
                "postloom.relay.domains", "a.test",
                "postloom.dkim-headers", "Subject"));
        assertThat(settings.listeners()).containsExactly(
                new SmtpServer.Listener(new InetSocketAddress("127.0.0.1", 2525), false),
                new SmtpServer.Listener(new InetSocketAddress("127.0.0.1", 4650), true));
        assertThat(settings.dnsServers()).containsExactly(new InetSocketAddress("127.0.0.53", 53),
                new InetSocketAddress("127.0.0.1", 5399));
        assertThat(settings.connectionLimits().exempt()).singleElement()
                .satisfies(cidr -> assertThat(cidr.contains(InetAddress.getByName("10.1.2.3"))).isTrue());
        assertThat(settings.session("mx.test", true).relay().acceptsDomain("a.test")).isTrue();
        assertThat(settings.dkim().signedHeaders()).containsExactly("From", "Subject");
        assertThat(of(Map.of("postloom.dns.servers", "", "postloom.smtp.implicit-tls-listen", "")).dnsServers()).isEmpty();
    }

    @Test
    void sessionCarriesLimitsAndWhetherTlsIsAvailable() {
        RelaySettings settings = of(Map.of("postloom.limits.message-size", "1000", "postloom.limits.recipients", "7",
                "postloom.limits.errors", "3", "postloom.hostname", "mx.configured.test"));
        var session = settings.session(settings.hostname(), false);
        assertThat(session.hostname()).isEqualTo("mx.configured.test");
        assertThat(session.sizeLimit()).isEqualTo(1000);
        assertThat(session.maxRecipients()).isEqualTo(7);
        assertThat(session.maxErrors()).isEqualTo(3);
        assertThat(session.tlsAvailable()).isFalse();
        assertThat(settings.session("x", true).tlsAvailable()).isTrue();
    }

    @Test
    void verifiedTlsOnlyForTheListedMxDomains() {
        RelaySettings settings = of(Map.of("postloom.delivery.require-verified-tls", " Bank.TEST ,",
                "postloom.delivery.connect-timeout", "PT7S"));
        var perHop = settings.clientSettings("mx.test");
        assertThat(perHop.apply(new NextHop.Mx("bank.test")).tlsPolicy()).isEqualTo(TlsPolicy.REQUIRED_VERIFIED);
        assertThat(perHop.apply(new NextHop.Mx("other.test")).tlsPolicy()).isEqualTo(TlsPolicy.OPPORTUNISTIC);
        assertThat(perHop.apply(new NextHop.Fixed("bank.test", 25)).tlsPolicy()).isEqualTo(TlsPolicy.OPPORTUNISTIC);
        assertThat(perHop.apply(new NextHop.Mx("other.test")).timeouts().connect()).isEqualTo(Duration.ofSeconds(7));
        assertThat(perHop.apply(new NextHop.Mx("other.test")).ehloName()).isEqualTo("mx.test");
    }

    @Test
    void retriesDelayReportsAndSpoolSizesAreTranslated() throws Exception {
        RelaySettings settings = of(Map.of(
                "postloom.delivery.delay-warning", "PT2H",
                "postloom.delivery.min-backoff", "PT2M",
                "postloom.spool.compaction-bandwidth", "1000000",
                "postloom.spool.segment-size", "1048576",
                "postloom.spool.memory-threshold", "4096",
                "postloom.limits.queue", "10",
                "postloom.dkim-canonicalization", "simple/simple"));
        assertThat(delivery(settings).delayWarning()).isEqualTo(Duration.ofHours(2));
        assertThat(delivery(settings).retry().minBackoff()).isEqualTo(Duration.ofMinutes(2));
        SpoolOptions spool = settings.spoolOptions(Clock.systemUTC());
        assertThat(spool.segmentSize()).isEqualTo(1_048_576);
        assertThat(spool.memoryThreshold()).isEqualTo(4096);
        assertThat(spool.maxMessages()).isEqualTo(10);
        assertThat(spool.compactionBandwidth()).isEqualTo(1_000_000);
        assertThat(settings.dkim().headers()).isEqualTo(Canonicalization.SIMPLE);
        assertThat(settings.session("x", true).relay().isTrusted(InetAddress.getByName("127.0.0.1"))).isTrue();
    }

    @Test
    void eventSinksClusterAndTlsReportsAreTranslatedHere() {
        RelaySettings alone = of(Map.of());
        assertThat(alone.events().file()).isEmpty();
        assertThat(alone.events().webhookUrl()).isEmpty();
        assertThat(alone.cluster("relay.test")).as("one node, no Redis").isEmpty();
        assertThat(alone.tlsReportSubmitter("relay.test"))
                .isEqualTo(new TlsReports.Submitter("relay.test", "postmaster@relay.test", "relay.test"));
        assertThat(alone.tlsReportCheck()).as("a quarter of P1D, at most 15 min").isEqualTo(Duration.ofMinutes(15));

        RelaySettings set = of(Map.of("postloom.events.file", "/var/log/postloom/events.jsonl",
                "postloom.events.webhook.url", "https://app.test/hooks", "postloom.cluster.redis", "redis://127.0.0.1:6379",
                "postloom.cluster.size", "3", "postloom.tls-rpt.interval", "PT2S", "postloom.tls-rpt.contact", "tls@relay.test"));
        assertThat(set.events().file()).contains(Path.of("/var/log/postloom/events.jsonl"));
        assertThat(set.events().webhookUrl()).contains(URI.create("https://app.test/hooks"));
        assertThat(set.cluster("relay.test")).contains(
                new RedisLimits.Settings("redis://127.0.0.1:6379", "relay.test", Duration.ofSeconds(30), 3));
        assertThat(set.tlsReportSubmitter("relay.test").contact()).isEqualTo("tls@relay.test");
        assertThat(set.tlsReportCheck()).as("a quarter of PT2S, at least 1 s").isEqualTo(Duration.ofSeconds(1));
    }
}
