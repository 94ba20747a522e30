package org.postloom.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.Relay;
import org.postloom.cli.Main;
import org.postloom.config.ConfigLoader;
import org.postloom.dns.DnsmasqServer;

/**
 * Shaping through the whole relay: MX sets from a real DNS server (dnsmasq), instrumented sinks on
 * 127.0.2.100+ that record per connection the peer address, the EHLO name and each MAIL time, and
 * egress sources bound to 127.0.2.1 and 127.0.2.2.
 */
class ShapingIT {

    private static final String SHARED = "127.0.2.100", PLAIN = "127.0.2.101", GOOGLE = "127.0.2.102",
            YAHOO = "127.0.2.103", SLOW = "127.0.2.104";
    private static DnsmasqServer dns;
    /** Held here: java.util.logging keeps loggers weakly, and a collected one loses its handler. */
    private static final Logger DELIVERY_LOG = Logger.getLogger("org.postloom.delivery");

    @TempDir
    Path spool;
    private final List<CapturingSink> sinks = new ArrayList<>();
    private final Map<String, CapturingSink> sinkAt = new HashMap<>();
    private Relay relay;
    private final List<String> logged = new CopyOnWriteArrayList<>();
    private final Handler logCapture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            logged.add(r.getMessage());
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    @BeforeAll
    static void startDns() throws IOException {
        dns = DnsmasqServer.start(60,
                "--mx-host=a.test,mx1.shared.test,10", "--mx-host=a.test,mx2.shared.test,20",
                "--mx-host=b.test,mx1.shared.test,10", "--mx-host=b.test,mx2.shared.test,20",
                "--host-record=mx1.shared.test," + SHARED, "--host-record=mx2.shared.test," + SHARED,
                "--mx-host=plain.test,mx.plain.test,10", "--host-record=mx.plain.test," + PLAIN,
                "--mx-host=g1.test,alt1.aspmx.l.google.test,10", "--mx-host=g2.test,aspmx.l.google.test,10",
                "--host-record=alt1.aspmx.l.google.test," + GOOGLE, "--host-record=aspmx.l.google.test," + GOOGLE,
                "--mx-host=y.test,mta5.am0.yahoodns.test,10", "--host-record=mta5.am0.yahoodns.test," + YAHOO,
                "--mx-host=slow.test,mx.slow.test,10", "--host-record=mx.slow.test," + SLOW);
    }

    @AfterAll
    static void stopDns() throws IOException {
        if (dns != null) dns.close();
    }

    @AfterEach
    void stop() throws IOException {
        DELIVERY_LOG.removeHandler(logCapture);
        if (relay != null) relay.close();
        for (CapturingSink s : sinks) s.close();
    }

    /** Sinks on every address, one port (the relay's delivery port is one for all MX hosts). */
    private int sinks(CapturingSink.Policy policy) throws IOException {
        int port = 0;
        for (String address : List.of(SHARED, PLAIN, GOOGLE, YAHOO, SLOW)) {
            CapturingSink sink = CapturingSink.start(address, port, policy);
            port = sink.port();
            sinks.add(sink);
            sinkAt.put(address, sink);
        }
        return port;
    }

    private void relay(int port, Map<String, String> shaping) throws IOException {
        Map<String, String> p = new HashMap<>(shaping);
        p.put("postloom.hostname", "relay.shaping.test");
        p.put("postloom.smtp.listen", "127.0.0.1:0");
        p.put("postloom.admin.listen", "127.0.0.1:0");
        p.put("postloom.spool.dir", spool.toString());
        p.put("postloom.dns.servers", "127.0.0.1:" + dns.address().getPort());
        p.put("postloom.delivery.port", String.valueOf(port));
        DELIVERY_LOG.addHandler(logCapture);
        relay = Relay.start(ConfigLoader.of(p));
    }

    /** A sink policy that answers MAIL after {@code millis}, so connections overlap. */
    private static CapturingSink.Policy slowMail(long millis) {
        return new CapturingSink.Policy() {
            @Override
            public String mail(int transaction) {
                pause(millis);
                return "250 2.1.0 Ok";
            }
        };
    }

    /** A sink policy that answers the first MAIL with {@code reply}, and takes the rest. */
    private static CapturingSink.Policy firstMailGets(String reply) {
        return new CapturingSink.Policy() {
            @Override
            public String mail(int transaction) {
                return transaction == 1 ? reply : "250 2.1.0 Ok";
            }
        };
    }

    /** Queues {@code n} messages for the domain while its site is held, so they are all ready at once. */
    private void submitHeld(int n, String domain) throws IOException, InterruptedException {
        admin("POST", "/sites/" + domain + "/suspend?for=PT5M");
        submit(recipients(n, domain));
        admin("POST", "/sites/" + domain + "/resume");
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis); // the sink standing for a slow remote server, not a wait in the test
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Hands the relay one message per recipient, over one SMTP session. */
    private void submit(List<String> recipients) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(relay.smtpAddresses().getFirst(), 5000);
            s.setSoTimeout(30_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
            OutputStream out = s.getOutputStream();
            MessageSender.expect(in, "220");
            out.write("EHLO sender.test\r\n".getBytes(StandardCharsets.US_ASCII));
            MessageSender.expect(in, "250");
            for (String rcpt : recipients) {
                out.write(("MAIL FROM:<app@sender.test>\r\nRCPT TO:<" + rcpt + ">\r\nDATA\r\n").getBytes(StandardCharsets.US_ASCII));
                MessageSender.expect(in, "250");
                MessageSender.expect(in, "250");
                MessageSender.expect(in, "354");
                out.write(("Subject: shaping\r\n\r\nhello " + rcpt + "\r\n.\r\n").getBytes(StandardCharsets.US_ASCII));
                MessageSender.expect(in, "250");
            }
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** {@code n} recipients in each of the domains, domain after domain. */
    private static List<String> recipients(int n, String... domains) {
        List<String> out = new ArrayList<>();
        for (String domain : domains) for (int i = 0; i < n; i++) out.add("r" + i + "@" + domain);
        return out;
    }

    private static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(20);
        }
    }

    private JsonNode admin(String method, String path) throws IOException, InterruptedException {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + relay.adminPort() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isEqualTo(200);
        return new ObjectMapper().readTree(r.body());
    }

    private JsonNode site(String name) throws IOException, InterruptedException {
        for (JsonNode s : admin("GET", "/sites")) if (s.get("site").asText().equals(name)) return s;
        throw new AssertionError("no site " + name + " in " + admin("GET", "/sites"));
    }

    private static Predicate<CapturingSink.Connection> toDomain(String domain) {
        return c -> c.recipients.stream().anyMatch(r -> r.endsWith("@" + domain));
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
        assertThat(399 / seconds).as("messages per second overall").isBetween(80.0, 102.0);
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
    void aThrottleRuleSlowsThePath() throws Exception {
        relay(sinks(firstMailGets("451 4.7.28 Our system has detected an unusual rate of mail")), Map.of("postloom.shaping.rules[0].reply", "4\\.7\\.28",
                "postloom.shaping.rules[0].action", "throttle",
                "postloom.shaping.rules[0].max-message-rate", "5/s",
                "postloom.shaping.rules[0].duration", "PT1M"));
        submitHeld(20, "slow.test");
        CapturingSink sink = sinkAt.get(SLOW);
        await("site-throttled logged", Duration.ofSeconds(30), () -> logged.stream().anyMatch(l -> l.startsWith("site-throttled")));
        assertThat(site("mx.slow.test").get("paths").get(0).get("throttled_until").isNull()).isFalse();
        await("20 delivered", Duration.ofSeconds(60), () -> sink.accepted.size() == 20);
        List<Instant> mails = sink.mailTimes(c -> true);
        List<Instant> after = mails.subList(1, mails.size());
        assertThat(Duration.between(after.getFirst(), after.getLast())).as("19 more at 5/s").isGreaterThan(Duration.ofMillis(3400));
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

    private int readyAt(String site) {
        try {
            return site(site).get("paths").get(0).get("ready").asInt();
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
