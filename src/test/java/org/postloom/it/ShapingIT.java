package org.postloom.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postloom.cli.Main;
import org.postloom.dns.DnsmasqServer;

/**
 * Shaping through the whole relay: MX sets from a real DNS server (dnsmasq), instrumented sinks on
 * 127.0.2.100+ that record per connection the peer address, the EHLO name and each MAIL time, and
 * egress sources bound to 127.0.2.1 and 127.0.2.2.
 */
class ShapingIT extends ShapingFixture {

    private static final String SHARED = "127.0.2.100", PLAIN = "127.0.2.101", GOOGLE = "127.0.2.102",
            YAHOO = "127.0.2.103", SLOW = "127.0.2.104";
    private static DnsmasqServer dns;

    /** Domains that all share mx.plain.test, so one site, as in the bench's 1,000 domains on one site. */
    private static final int MANY = 100;

    @BeforeAll
    static void startDns() throws IOException {
        List<String> records = new ArrayList<>(List.of(
                "--mx-host=a.test,mx1.shared.test,10", "--mx-host=a.test,mx2.shared.test,20",
                "--mx-host=b.test,mx1.shared.test,10", "--mx-host=b.test,mx2.shared.test,20",
                "--host-record=mx1.shared.test," + SHARED, "--host-record=mx2.shared.test," + SHARED,
                "--mx-host=plain.test,mx.plain.test,10", "--host-record=mx.plain.test," + PLAIN,
                "--mx-host=g1.test,alt1.aspmx.l.google.test,10", "--mx-host=g2.test,aspmx.l.google.test,10",
                "--host-record=alt1.aspmx.l.google.test," + GOOGLE, "--host-record=aspmx.l.google.test," + GOOGLE,
                "--mx-host=y.test,mta5.am0.yahoodns.test,10", "--host-record=mta5.am0.yahoodns.test," + YAHOO,
                "--mx-host=slow.test,mx.slow.test,10", "--host-record=mx.slow.test," + SLOW));
        for (int i = 0; i < MANY; i++) records.add("--mx-host=d" + i + ".many.test,mx.plain.test,10");
        dns = DnsmasqServer.start(60, records.toArray(String[]::new));
    }

    @AfterAll
    static void stopDns() throws IOException {
        if (dns != null) dns.close();
    }

    @Override
    int dnsPort() {
        return dns.address().getPort();
    }

    private int sinks(CapturingSink.Policy policy) throws IOException {
        return sinks(policy, SHARED, PLAIN, GOOGLE, YAHOO, SLOW);
    }

    @Test
    void twoDomainsWithTheSameMxSetShareOneSitesConnectionCapAndMessagesPerConnectionHold() throws Exception {
        relay(sinks(slowMail(30)), Map.of("postloom.shaping.default.max-connections", "2",
                "postloom.shaping.default.max-messages-per-connection", "5"));
        submit(recipients(20, "a.test", "b.test"));
        CapturingSink sink = sinkAt.get(SHARED);
        await("40 delivered", Duration.ofSeconds(60), () -> sink.accepted.size() == 40);
        assertThat(sink.peakConnections(c -> true)).as("a.test and b.test together").isEqualTo(2);
        assertThat(sink.connectionLog).allMatch(c -> c.mails.size() <= 5);
        JsonNode site = site("mx1.shared.test,mx2.shared.test");
        assertThat(site.get("domains").toString()).isEqualTo("[\"a.test\",\"b.test\"]");
        assertThat(site.get("paths").get(0).get("source").asText()).isEmpty();
    }

    @Test
    void theMessageRateHoldsEverySecondOverHundredsOfMessages() throws Exception {
        relay(sinks(CapturingSink.ACCEPT_ALL), Map.of("postloom.shaping.default.max-message-rate", "100/s"));
        submitHeld(400, "plain.test");
        CapturingSink sink = sinkAt.get(PLAIN);
        await("400 delivered", Duration.ofSeconds(60), () -> sink.accepted.size() == 400);
        List<Instant> mails = sink.mailTimes(c -> true);
        int worst = 0;
        for (Instant from : mails) {
            Instant to = from.plusSeconds(1);
            worst = Math.max(worst, (int) mails.stream().filter(t -> !t.isBefore(from) && t.isBefore(to)).count());
        }
        // The schedule hands out at most 100 + 5 per second (ScheduleTest); at the sink, couriers
        // delayed on a busy machine can bunch a few more into one second.
        assertThat(worst).as("most MAILs in any one second at the sink").isBetween(90, 115);
        double seconds = Duration.between(mails.getFirst(), mails.getLast()).toMillis() / 1000.0;
        // The first five (a twentieth of a second's worth) may go at once.
        assertThat(395 / seconds).as("messages per second overall").isBetween(90.0, 105.0);
    }

    /**
     * The pacer delivers its cap, not less (a review measured 10 % under at 500/s): 100/s over 400
     * messages to 100 domains of one site is within 5 % at the sink, a rate a loaded 2-core machine
     * carries (200/s was: 197-200/s to one domain at a load of 10-13, but at a load of 15 the relay
     * itself carried no more than ~140/s).
     */
    @Test
    void theObservedRateIsWithinFivePercentOfTheCap() throws Exception {
        int rate = 100, n = 400;
        // Connections enough for the rate on a loaded machine (each took ~85-120 ms a message at a load of
        // 13 on 2 cores): with 20, 100 domains were bound by the connections at 167-187/s, not by the pacer.
        relay(sinks(CapturingSink.ACCEPT_ALL), Map.of("postloom.shaping.default.max-message-rate", rate + "/s",
                "postloom.shaping.default.max-connections", "40"));
        admin("POST", "/sites/plain.test/suspend?for=PT5M");
        submit(recipients(1, "plain.test")); // the site exists, and is held, before the many domains join it
        await("the site is known", Duration.ofSeconds(10), () -> readyAt("mx.plain.test") == 1);
        // Round robin over the domains, as the bench's generator sends.
        submit(java.util.stream.IntStream.range(1, n).mapToObj(i -> "r" + i + "@d" + i % MANY + ".many.test").toList());
        await("all resolved to the site", Duration.ofSeconds(30), () -> readyAt("mx.plain.test") == n);
        admin("POST", "/sites/plain.test/resume");
        CapturingSink sink = sinkAt.get(PLAIN);
        await("all delivered", Duration.ofSeconds(60), () -> sink.accepted.size() == n);
        List<Instant> mails = sink.mailTimes(c -> true);
        double seconds = Duration.between(mails.getFirst(), mails.getLast()).toNanos() / 1e9;
        // The first twentieth of a second's worth may go at once (GCRA's burst), the rest spaced evenly.
        double observed = (n - rate / 20) / seconds;
        System.out.printf("observed %.1f/s over %d messages, %d connections%n", observed, mails.size(), sink.connectionLog.size());
        assertThat(observed).as("messages per second at the sink, cap " + rate + "/s").isBetween(rate * 0.95, rate * 1.05);
    }

    @Test
    void aProviderSuffixRuleAppliesToEverySiteOfThatProvider() throws Exception {
        relay(sinks(slowMail(40)), Map.of("postloom.shaping.default.max-messages-per-connection", "2",
                "postloom.shaping.sites.\".google.test\".max-connections", "1"));
        submit(recipients(10, "g1.test", "g2.test", "plain.test"));
        await("30 delivered", Duration.ofSeconds(60),
                () -> sinkAt.get(GOOGLE).accepted.size() == 20 && sinkAt.get(PLAIN).accepted.size() == 10);
        assertThat(sinkAt.get(GOOGLE).peakConnections(toDomain("g1.test"))).isEqualTo(1);
        assertThat(sinkAt.get(GOOGLE).peakConnections(toDomain("g2.test"))).isEqualTo(1);
        assertThat(sinkAt.get(GOOGLE).peakConnections(c -> true)).as("two sites, one connection each").isEqualTo(2);
        assertThat(sinkAt.get(PLAIN).peakConnections(c -> true)).as("the default elsewhere").isGreaterThan(1);
    }

    @Test
    void aTs04ReplyWithASuspendRuleHoldsThatPathOthersGoOnThenTheHeldMailGoesAtOnce() throws Exception {
        int port = sinks(firstMailGets("421 4.7.0 [TS04] Messages from 127.0.0.1 temporarily deferred due to unexpected volume"));
        sinkAt.get(PLAIN).policy(CapturingSink.ACCEPT_ALL);
        relay(port, Map.of("postloom.shaping.rules[0].match", ".yahoodns.test",
                "postloom.shaping.rules[0].reply", "^421 .*\\[TS0[1-4]\\]",
                "postloom.shaping.rules[0].action", "suspend",
                "postloom.shaping.rules[0].duration", "PT4S"));
        submitHeld(5, "y.test");
        CapturingSink yahoo = sinkAt.get(YAHOO);
        await("the 421", Duration.ofSeconds(30), () -> !yahoo.connectionLog.isEmpty() && yahoo.connectionLog.getFirst().closed != null);
        Instant refused = yahoo.connectionLog.getFirst().closed;
        await("site-suspended logged", Duration.ofSeconds(10), () -> logged.stream().anyMatch(l -> l.startsWith("site-suspended")));
        assertThat(logged).filteredOn(l -> l.startsWith("site-suspended")).singleElement().satisfies(l -> assertThat(l)
                .contains("site=mta5.am0.yahoodns.test").contains("source= ").contains("rule=0").contains("[TS04]").contains("until="));
        JsonNode path = site("mta5.am0.yahoodns.test").get("paths").get(0);
        assertThat(path.get("suspended_until").isNull()).isFalse();
        assertThat(path.get("ready").asInt()).as("the four not tried and the one refused").isEqualTo(5);
        submit(recipients(5, "plain.test"));
        await("other sites go on", Duration.ofSeconds(30), () -> sinkAt.get(PLAIN).accepted.size() == 5);
        assertThat(yahoo.connectionLog).as("no new connection during the hold").hasSize(1);
        await("the held mail", Duration.ofSeconds(30), () -> yahoo.accepted.size() == 5);
        Instant second = yahoo.connectionLog.get(1).opened;
        assertThat(Duration.between(refused, second)).as("the hold, not the 1-minute retry")
                .isBetween(Duration.ofMillis(3900), Duration.ofSeconds(8));
    }

    @Test
    void aThrottleRuleSlowsThePathOnTheSameConnectionAndTheRateComesBackAfter() throws Exception {
        relay(sinks(firstMailGets("451 4.7.28 Our system has detected an unusual rate of mail")), Map.of(
                "postloom.shaping.rules[0].reply", "4\\.7\\.28",
                "postloom.shaping.rules[0].action", "throttle",
                "postloom.shaping.rules[0].max-message-rate", "5/s",
                "postloom.shaping.rules[0].duration", "PT4S"));
        submitHeld(50, "slow.test");
        CapturingSink sink = sinkAt.get(SLOW);
        await("site-throttled logged", Duration.ofSeconds(30), () -> logged.stream().anyMatch(l -> l.startsWith("site-throttled")));
        assertThat(site("mx.slow.test").get("paths").get(0).get("rate").asText()).isEqualTo("5/s");
        await("50 delivered", Duration.ofSeconds(60), () -> sink.accepted.size() == 50);
        List<Instant> mails = sink.mailTimes(c -> true);
        Instant refused = mails.getFirst(), ends = refused.plusSeconds(4);
        List<Instant> during = mails.stream().filter(t -> t.isAfter(refused) && t.isBefore(ends)).toList();
        assertThat(during).as("5/s for 4 s, the refused one first again, not at its back-off").hasSizeBetween(15, 22);
        for (int i = 1; i < during.size(); i++) {
            assertThat(Duration.between(during.get(i - 1), during.get(i))).as("spaced at 5/s").isGreaterThan(Duration.ofMillis(120));
        }
        assertThat(Duration.between(ends, mails.getLast())).as("the other ~30 at once after it, not 6 s more at 5/s")
                .isLessThan(Duration.ofSeconds(3));
        assertThat(sink.connectionLog.getFirst().mails).as("the connection that got the 451 carried the throttled ones")
                .contains(refused).containsAll(during);
    }

    @Test
    void twoSourcesAtThreeToOneSplitTheMailWithTheirOwnEhloNamesAndTheirOwnLimits() throws Exception {
        relay(sinks(slowMail(10)), Map.of(
                "postloom.egress.sources.\"ip1\".address", "127.0.2.1",
                "postloom.egress.sources.\"ip1\".ehlo", "o1.shaping.test",
                "postloom.egress.sources.\"ip2\".address", "127.0.2.2",
                "postloom.egress.sources.\"ip2\".ehlo", "o2.shaping.test",
                "postloom.egress.pools.\"main\"", "ip1:3,ip2:1",
                "postloom.egress.default-pool", "main",
                "postloom.shaping.default.max-connections", "2",
                "postloom.shaping.default.max-messages-per-connection", "3"));
        submit(recipients(200, "plain.test"));
        CapturingSink sink = sinkAt.get(PLAIN);
        await("200 delivered", Duration.ofSeconds(60), () -> sink.accepted.size() == 200);
        Predicate<CapturingSink.Connection> ip1 = c -> c.peer.equals("127.0.2.1"), ip2 = c -> c.peer.equals("127.0.2.2");
        assertThat(sink.connectionLog).allMatch(ip1.or(ip2));
        assertThat(sink.mailTimes(ip1)).hasSize(150);
        assertThat(sink.mailTimes(ip2)).hasSize(50);
        assertThat(sink.connectionLog).allMatch(c -> c.ehlo.equals(ip1.test(c) ? "o1.shaping.test" : "o2.shaping.test"));
        assertThat(sink.peakConnections(ip1)).as("ip1's own cap").isEqualTo(2);
        assertThat(sink.peakConnections(ip2)).as("ip2's own cap").isBetween(1, 2);
        assertThat(site("mx.plain.test").get("paths")).extracting(p -> p.get("source").asText()).containsExactlyInAnyOrder("ip1", "ip2");
    }

    private String sitesCli(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        List<String> all = new ArrayList<>(List.of("sites", "--admin", "http://127.0.0.1:" + relay.adminPort()));
        all.addAll(List.of(args));
        int exit = Main.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(all.toArray(String[]::new));
        return exit + " " + out + err;
    }

    @Test
    void operatorsSuspendAndResumeASiteByDomainThroughTheCliAndTheApi() throws Exception {
        relay(sinks(CapturingSink.ACCEPT_ALL), Map.of());
        CapturingSink sink = sinkAt.get(PLAIN);
        submit(recipients(1, "plain.test"));
        await("first delivered", Duration.ofSeconds(30), () -> sink.accepted.size() == 1);
        assertThat(sitesCli()).startsWith("0 ").contains("mx.plain.test").contains("plain.test");
        assertThat(sitesCli("suspend", "plain.test", "--for", "PT10M")).startsWith("0 suspended mx.plain.test until ");
        assertThat(site("mx.plain.test").get("paths").get(0).get("suspended_until").asText()).endsWith("Z");
        submit(recipients(1, "plain.test"));
        await("held", Duration.ofSeconds(10), () -> readyAt("mx.plain.test") == 1);
        assertThat(sink.accepted).hasSize(1);
        assertThat(sitesCli("suspend", "plain.test", "--for", "ten minutes")).startsWith("1 ").contains("not a positive ISO-8601 duration");
        assertThat(sitesCli("resume", "plain.test")).startsWith("0 resumed plain.test");
        await("released", Duration.ofSeconds(10), () -> sink.accepted.size() == 2);
    }

    /** Work ready on the site's first path; -1 while the site is not known yet. */
    private int readyAt(String site) {
        try {
            for (JsonNode s : admin("GET", "/sites")) {
                if (s.get("site").asText().equals(site)) return s.get("paths").get(0).get("ready").asInt();
            }
            return -1;
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
