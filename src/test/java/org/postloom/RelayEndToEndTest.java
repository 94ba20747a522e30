package org.postloom;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.config.ConfigLoader;
import org.postloom.dns.DnsmasqServer;
import org.postloom.smtp.MemoryStore;
import org.postloom.smtp.RelayPolicy;
import org.postloom.smtp.SessionSettings;
import org.postloom.smtp.server.ConnectionLimits;
import org.postloom.smtp.server.ConnectionSettings;
import org.postloom.intake.MessageSigner;
import org.postloom.smtp.server.SmtpMetrics;
import org.postloom.smtp.server.SmtpServer;
import org.postloom.smtp.server.TlsUpgrade;
import org.postloom.tls.KeyMaterial;
import org.postloom.tls.ServerTls;

/**
 * The whole relay in one piece: a client hands it mail, it finds the MX in a real DNS server
 * (dnsmasq) and delivers over SMTP to a destination MTA on another loopback address (a second
 * Postloom listener standing for the remote host), and bounces what the destination refuses.
 */
class RelayEndToEndTest {

    @TempDir
    static Path spool;
    static DnsmasqServer dns;
    static MemoryStore destination = new MemoryStore();
    static MemoryStore preferred = new MemoryStore();
    static SimpleMeterRegistry mxMetrics = new SimpleMeterRegistry();
    static SmtpServer mx;
    static SmtpServer preferredMx;
    static Relay relay;

    @BeforeAll
    static void start() throws Exception {
        // The remote MTA at 127.0.0.3, with STARTTLS: takes mail for a few domains only.
        SessionSettings remote = new SessionSettings("mx.a.test", 1_000_000, 100, 10, true,
                RelayPolicy.of(List.of("127.0.0.99/32"),
                        List.of("a.test", "b.test", "client.test", "fallover.test", "pref.test", "many.test")));
        ConnectionSettings patient = new ConnectionSettings(Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(10), 10_000);
        TlsUpgrade tls = TlsUpgrade.with(ServerTls.of(KeyMaterial.loadOrCreate(Optional.empty(), Optional.empty(),
                spool.resolve("mx-keys"), "mx.a.test")));
        mx = new SmtpServer(List.of(new SmtpServer.Listener(new InetSocketAddress("127.0.0.3", 0), false)),
                remote, patient, ConnectionLimits.of(100), destination, tls, Clock.systemUTC(), new SmtpMetrics(mxMetrics), MessageSigner.NONE);
        mx.start();
        int port = mx.boundAddresses().getFirst().getPort();
        // A second MTA on the same port of another host, the preferred MX of pref.test.
        preferredMx = new SmtpServer(List.of(new SmtpServer.Listener(new InetSocketAddress("127.0.0.6", port), false)),
                remote, patient, ConnectionLimits.of(100), preferred, TlsUpgrade.NONE, Clock.systemUTC(), SmtpMetrics.none(),
                MessageSigner.NONE);
        preferredMx.start();
        dns = DnsmasqServer.start(60,
                "--mx-host=a.test,mx.a.test,10",
                "--host-record=mx.a.test,127.0.0.3",
                "--mx-host=client.test,mx.a.test,10",
                "--mx-host=other.test,mx.a.test,10",
                "--dns-rr=null.test,15,000000",
                "--mx-host=pref.test,mx6.pref.test,10",
                "--mx-host=pref.test,mx.a.test,20",
                "--host-record=mx6.pref.test,127.0.0.6",
                "--mx-host=fallover.test,dead.fallover.test,10",
                "--mx-host=fallover.test,mx.a.test,20",
                "--host-record=dead.fallover.test,127.0.0.5",
                "--mx-host=many.test,mx.a.test,10",
                "--mx-host=loop.test,relay.test,10",
                "--mx-host=loop.test,mx.a.test,20",
                "--host-record=relay.test,127.0.0.1");
        Map<String, String> p = new HashMap<>();
        p.put("postloom.hostname", "relay.test");
        p.put("postloom.smtp.listen", "127.0.0.1:0");
        p.put("postloom.admin.listen", "127.0.0.1:0");
        p.put("postloom.spool.dir", spool.toString());
        p.put("postloom.dns.servers", "127.0.0.1:" + dns.address().getPort());
        p.put("postloom.delivery.port", String.valueOf(mx.boundAddresses().getFirst().getPort()));
        p.put("postloom.routes.\"b.test\"", "127.0.0.3:" + mx.boundAddresses().getFirst().getPort());
        relay = Relay.start(ConfigLoader.of(p));
    }

    @AfterAll
    static void stop() throws IOException {
        if (relay != null) relay.close();
        if (mx != null) mx.close();
        if (preferredMx != null) preferredMx.close();
        if (dns != null) dns.close();
    }

    @Test
    void mailIsRelayedThroughTheMxFoundInDns() throws Exception {
        send("sender@client.test", List.of("one@a.test", "two@a.test"), "Subject: via MX\r\n\r\n.leading dot\r\nbody\r\n");
        MemoryStore.Stored got = await(s -> s.text().contains("Subject: via MX"));
        assertThat(got.envelope().recipients()).extracting(Object::toString).containsExactly("one@a.test", "two@a.test");
        assertThat(got.text()).contains("by relay.test (Postloom)").contains("\r\n.leading dot\r\nbody\r\n");
    }

    @Test
    void deliveryUsesStartTlsWhenTheMxOffersIt() throws Exception {
        send("sender@client.test", List.of("tls@a.test"), "Subject: over tls\r\n\r\nhi\r\n");
        String received = await(s -> s.text().contains("Subject: over tls")).text();
        assertThat(received).containsPattern("by mx.a.test \\(Postloom\\) with ESMTPS id \\w+\\r\n\t\\(version=TLSv1\\.3");
    }

    @Test
    void theMostPreferredMxGetsTheMail() throws Exception {
        send("sender@client.test", List.of("p@pref.test"), "Subject: preferred\r\n\r\nhi\r\n");
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (preferred.committed().stream().noneMatch(s -> s.text().contains("Subject: preferred")) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(preferred.committed()).anyMatch(s -> s.text().contains("Subject: preferred"));
        assertThat(destination.committed()).noneMatch(s -> s.text().contains("Subject: preferred"));
    }

    @Test
    void whenTheFirstMxRefusesTheNextOneIsTried() throws Exception {
        send("sender@client.test", List.of("f@fallover.test"), "Subject: fall over\r\n\r\nhi\r\n");
        assertThat(await(s -> s.text().contains("Subject: fall over")).envelope().recipients())
                .extracting(Object::toString).containsExactly("f@fallover.test");
    }

    /** Connection reuse: a burst of messages to one destination shares a few connections. */
    @Test
    void manyMessagesTravelOverFarFewerConnections() throws Exception {
        double before = mxMetrics.counter("postloom.smtp.connections").count();
        int n = 60;
        try (Socket s = new Socket()) {
            s.connect(relay.smtpAddresses().getFirst(), 5000);
            s.setSoTimeout(10_000);
            SmtpReplies.readUntil(s, "220 ");
            StringBuilder burst = new StringBuilder("EHLO client.test\r\n");
            for (int i = 0; i < n; i++) {
                String content = String.format("Subject: burst %04d\r\n", i);
                burst.append("MAIL FROM:<burst@client.test>\r\nRCPT TO:<r").append(i).append("@many.test>\r\nBDAT ")
                        .append(content.length()).append(" LAST\r\n").append(content);
            }
            s.getOutputStream().write(burst.append("QUIT\r\n").toString().getBytes(StandardCharsets.US_ASCII));
            assertThat(SmtpReplies.readUntil(s, "221 ").split("queued as", -1)).hasSize(n + 1);
        }
        for (int i = 0; i < n; i++) {
            String subject = String.format("Subject: burst %04d", i);
            await(st -> st.text().contains(subject));
        }
        double connections = mxMetrics.counter("postloom.smtp.connections").count() - before;
        assertThat(connections).as("connections for %d messages", n).isLessThanOrEqualTo(n / 4.0);
    }

    /** A real client in, the MX found in DNS, the message out: the whole path with swaks. */
    @Test
    void swaksMailArrivesAtTheDomainsMx() throws Exception {
        InetSocketAddress smtp = relay.smtpAddresses().getFirst();
        Process swaks = new ProcessBuilder("swaks", "--server", smtp.getHostString() + ":" + smtp.getPort(),
                "--from", "sender@client.test", "--to", "swaks@a.test", "--header", "Subject: from swaks", "--tls")
                .redirectErrorStream(true).start();
        String output = new String(swaks.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(swaks.waitFor()).as(output).isZero();
        assertThat(await(s -> s.text().contains("Subject: from swaks")).envelope().recipients())
                .extracting(Object::toString).containsExactly("swaks@a.test");
    }

    @Test
    void aStaticRouteSkipsDns() throws Exception {
        send("sender@client.test", List.of("x@b.test"), "Subject: via route\r\n\r\nhi\r\n");
        assertThat(await(s -> s.text().contains("Subject: via route")).envelope().recipients())
                .extracting(Object::toString).containsExactly("x@b.test");
    }

    @Test
    void aRefusedRecipientComesBackToTheSenderAsADsn() throws Exception {
        send("sender@client.test", List.of("nobody@other.test"), "Subject: refused\r\nMessage-ID: <r1@client.test>\r\n\r\nhi\r\n");
        MemoryStore.Stored dsn = await(s -> s.text().contains("Final-Recipient: rfc822; nobody@other.test"));
        assertThat(dsn.envelope().sender().isNull()).isTrue();
        assertThat(dsn.envelope().recipients()).extracting(Object::toString).containsExactly("sender@client.test");
        assertThat(dsn.text()).contains("Status: 5.7.1").contains("Message-ID: <r1@client.test>");
    }

    @Test
    void aNullMxDomainBouncesWith5110() throws Exception {
        send("sender@client.test", List.of("x@null.test"), "Subject: null mx\r\n\r\nhi\r\n");
        assertThat(await(s -> s.text().contains("Final-Recipient: rfc822; x@null.test")).text()).contains("Status: 5.1.10");
    }

    /** RFC 5321 5.1: we are loop.test's best MX, so no host may be tried; not even the less preferred one. */
    @Test
    void mailThatWouldLoopBackToUsBounces() throws Exception {
        send("sender@client.test", List.of("x@loop.test"), "Subject: loop\r\n\r\nhi\r\n");
        assertThat(await(s -> s.text().contains("Final-Recipient: rfc822; x@loop.test")).text()).contains("Status: 5.4.6");
        assertThat(destination.committed()).noneMatch(s -> s.envelope().recipients().toString().contains("loop.test"));
    }

    private static void send(String from, List<String> to, String message) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(relay.smtpAddresses().getFirst(), 5000);
            s.setSoTimeout(10_000);
            StringBuilder commands = new StringBuilder("EHLO client.test\r\nMAIL FROM:<" + from + ">\r\n");
            to.forEach(r -> commands.append("RCPT TO:<").append(r).append(">\r\n"));
            commands.append("DATA\r\n");
            s.getOutputStream().write(commands.toString().getBytes(StandardCharsets.US_ASCII));
            String replies = SmtpReplies.readUntil(s, "354 ");
            assertThat(replies).doesNotContain("\r\n5");
            s.getOutputStream().write((message.replace("\r\n.", "\r\n..") + ".\r\nQUIT\r\n").getBytes(StandardCharsets.US_ASCII));
            assertThat(SmtpReplies.readUntil(s, "221 ")).contains("250 2.0.0 Ok: queued as");
        }
    }


    private static MemoryStore.Stored await(java.util.function.Predicate<MemoryStore.Stored> which) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        BooleanSupplier found = () -> destination.committed().stream().anyMatch(which);
        while (!found.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("not delivered; destination has " + destination.committed());
            Thread.sleep(20);
        }
        return destination.committed().stream().filter(which).findFirst().orElseThrow();
    }
}
