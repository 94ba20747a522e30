package org.postloom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.postloom.config.ConfigLoader;
import org.postloom.config.PostloomConfig;
import org.postloom.delivery.EgressPools;
import org.postloom.delivery.EgressSource;
import org.postloom.delivery.schedule.Rate;
import org.postloom.delivery.schedule.ReplyRule;
import org.postloom.delivery.schedule.ShapingPolicy;
import org.postloom.delivery.schedule.SiteMatch;
import org.postloom.mail.Envelope;
import org.postloom.mail.Mailbox;
import org.postloom.mail.QueueId;

/** Shaping and egress settings as the relay reads them, and the one-line refusals of bad ones. */
class ShapingConfigurationTest {

    private static final Map<String, String> GOOD = Map.ofEntries(
            Map.entry("postloom.shaping.default.max-connections", "10"),
            Map.entry("postloom.shaping.default.max-message-rate", "500/s"),
            Map.entry("postloom.shaping.sites.\".google.com\".max-connections", "5"),
            Map.entry("postloom.shaping.sites.\"yahoo.com\".max-message-rate", "20/min"),
            Map.entry("postloom.shaping.rules[0].match", ".yahoodns.net"),
            Map.entry("postloom.shaping.rules[0].reply", "^421 .*\\[TS0[1-4]\\]"),
            Map.entry("postloom.shaping.rules[0].action", "suspend"),
            Map.entry("postloom.shaping.rules[0].duration", "PT30M"),
            Map.entry("postloom.shaping.rules[1].reply", "4\\.7\\.28"),
            Map.entry("postloom.shaping.rules[1].action", "throttle"),
            Map.entry("postloom.shaping.rules[1].max-message-rate", "1/s"),
            Map.entry("postloom.egress.sources.\"ip1\".address", "127.0.2.1"),
            Map.entry("postloom.egress.sources.\"ip1\".ehlo", "o1.mail.example.test"),
            Map.entry("postloom.egress.sources.\"ip2\".address", "127.0.2.2"),
            Map.entry("postloom.egress.sources.\"ip2\".max-message-rate", "1000/h"),
            Map.entry("postloom.egress.pools.\"main\"", "ip1:3,ip2"),
            Map.entry("postloom.egress.pools.\"warm\"", "ip2"),
            Map.entry("postloom.egress.default-pool", "main"),
            Map.entry("postloom.egress.sender-domains.\"news.example.test\"", "warm"));

    private static PostloomConfig config(Map<String, String> overrides) {
        Map<String, String> all = new HashMap<>(GOOD);
        all.putAll(overrides);
        all.values().removeIf(String::isEmpty);
        return ConfigLoader.of(all);
    }

    @Test
    void goodSettingsBecomeThePolicy() {
        ShapingPolicy policy = ShapingConfiguration.policy(config(Map.of()));
        assertThat(policy.defaults().maxConnections()).isEqualTo(10);
        assertThat(policy.defaults().maxMessagesPerConnection()).isEqualTo(100);
        assertThat(policy.defaults().messageRate()).contains(Rate.parse("500/s"));
        assertThat(policy.sites()).containsKeys(new SiteMatch(".google.com"), new SiteMatch("yahoo.com"));
        assertThat(policy.rules()).hasSize(2);
        ReplyRule first = policy.rules().getFirst();
        assertThat(first.action()).isEqualTo(ReplyRule.Action.SUSPEND);
        assertThat(first.duration()).isEqualTo(Duration.ofMinutes(30));
        assertThat(first.match()).isEqualTo(new SiteMatch(".yahoodns.net"));
        assertThat(policy.rules().get(1).match()).isEqualTo(SiteMatch.ANY);
        assertThat(policy.rules().get(1).duration()).isEqualTo(Duration.ofHours(1));
        assertThat(policy.sourceCaps()).containsOnlyKeys("ip2");
    }

    @Test
    void sourcesAndPoolsChooseBySenderDomainElseTheDefaultPoolThreeToOne() {
        PostloomConfig c = config(Map.of());
        Map<String, EgressSource> sources = ShapingConfiguration.sources(c, "relay.test");
        assertThat(sources.get("ip1").ehlo()).isEqualTo("o1.mail.example.test");
        assertThat(sources.get("ip2").ehlo()).isEqualTo("relay.test");
        EgressPools pools = ShapingConfiguration.pools(c, sources, e -> Optional.empty());
        assertThat(pools.choose(from("news.example.test"))).isEqualTo("ip2");
        List<String> picks = java.util.stream.IntStream.range(0, 8).mapToObj(i -> pools.choose(from("app.test"))).toList();
        assertThat(picks).containsExactly("ip1", "ip1", "ip2", "ip1", "ip1", "ip1", "ip2", "ip1");
        EgressPools tenant = ShapingConfiguration.pools(c, sources, e -> Optional.of("warm"));
        assertThat(tenant.choose(from("app.test"))).as("the tenant hook wins").isEqualTo("ip2");
    }

    @Test
    void aTenantsPoolWinsOverTheSenderDomainAndTheDefault() {
        PostloomConfig c = config(Map.of("postloom.tenants.\"acme\".pool", "warm"));
        EgressPools pools = ShapingConfiguration.pools(c, ShapingConfiguration.sources(c, "relay.test"),
                ShapingConfiguration.tenantPools(c));
        assertThat(pools.choose(from("app.test").withTenant("acme"))).isEqualTo("ip2");
        assertThat(pools.choose(from("app.test"))).isEqualTo("ip1");
        refused(Map.of("postloom.tenants.\"acme\".pool", "nope"),
                "postloom.tenants.\"acme\".pool=nope: names no pool in postloom.egress.pools");
    }

    private static Envelope from(String domain) {
        return new Envelope(new QueueId("0123456789AB"), new Mailbox("a", domain), List.of(new Mailbox("b", "x.test")),
                Envelope.BodyType.SEVEN_BIT, false, java.time.Instant.EPOCH, "test", "");
    }

    private static void refused(Map<String, String> overrides, String line) {
        assertThatThrownBy(() -> {
            PostloomConfig c = config(overrides);
            ShapingConfiguration.policy(c);
            ShapingConfiguration.pools(c, ShapingConfiguration.sources(c, "relay.test"), ShapingConfiguration.tenantPools(c));
        }).isInstanceOf(IllegalArgumentException.class).hasMessage(line);
    }

    @Test
    void badInputIsRefusedWithOneLineNamingTheSettingAndTheValue() {
        refused(Map.of("postloom.shaping.default.max-message-rate", "10/fortnight"),
                "postloom.shaping.default.max-message-rate=10/fortnight: is not a rate (N/s, N/min or N/h)");
        refused(Map.of("postloom.shaping.sites.\"yahoo.com\".max-message-rate", "lots"),
                "postloom.shaping.sites.\"yahoo.com\".max-message-rate=lots: is not a rate (N/s, N/min or N/h)");
        refused(Map.of("postloom.egress.pools.\"main\"", "ip1:3,ip9"),
                "postloom.egress.pools.\"main\"=ip1:3,ip9: names unknown source 'ip9'");
        refused(Map.of("postloom.egress.pools.\"main\"", "ip1:0"),
                "postloom.egress.pools.\"main\"=ip1:0: has a bad weight in 'ip1:0'");
        refused(Map.of("postloom.egress.sources.\"ip1\".address", "192.0.2.77"),
                "postloom.egress.sources.\"ip1\".address=192.0.2.77: is not an address of this machine");
        refused(Map.of("postloom.egress.sources.\"ip1\".address", "mail.example.test"),
                "postloom.egress.sources.\"ip1\".address=mail.example.test: is not an IP address");
        refused(Map.of("postloom.shaping.rules[0].reply", "421 (TS04"),
                "postloom.shaping.rules[0].reply=421 (TS04: is not a valid Java regex (Unclosed group)");
        refused(Map.of("postloom.shaping.rules[0].action", "pause"),
                "postloom.shaping.rules[0].action=pause: is neither suspend nor throttle");
        refused(Map.of("postloom.shaping.rules[1].max-message-rate", ""),
                "postloom.shaping.rules[1].max-message-rate is required for action throttle");
        refused(Map.of("postloom.egress.default-pool", "nope"),
                "postloom.egress.default-pool=nope: names no pool in postloom.egress.pools");
    }

    @Test
    void withNothingConfiguredThereAreNoRulesNoSourcesAndTheContractDefaults() {
        PostloomConfig c = ConfigLoader.of(Map.of());
        ShapingPolicy policy = ShapingConfiguration.policy(c);
        assertThat(policy.defaults()).isEqualTo(ShapingPolicy.standard().defaults());
        assertThat(policy.rules()).isEmpty();
        assertThat(ShapingConfiguration.sources(c, "relay.test")).isEmpty();
        assertThat(ShapingConfiguration.pools(c, Map.of(), e -> Optional.empty()).choose(from("a.test"))).isEmpty();
    }
}
