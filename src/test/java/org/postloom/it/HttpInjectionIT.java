package org.postloom.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.dkim.DkimPy;
import org.postloom.testing.TestKeys;
import org.postloom.dns.DnsmasqServer;

/**
 * {@code POST /messages} over real HTTP into the relay process, delivered to a real SMTP server:
 * both forms, per-recipient values, MIME read by Python's email package, DKIM verified by
 * dkimpy, every refusal of the contract with nothing queued, and idempotency and durability
 * across kill -9.
 */
class HttpInjectionIT {

    private static final String ADMIN = "127.0.6.1";
    private static final String MX = "127.0.6.2";
    private static final String ACME = "Authorization";
    private static final Duration ARRIVAL = Duration.ofSeconds(60);

    @RegisterExtension
    final Relays relays = new Relays();

    @TempDir
    Path work;

    private final ExternalTool python = ExternalTool.require("python3", "python3");

    @Test
    void bothFormsArriveSignedWithEachRecipientsValuesAndTheMimeParses() throws Exception {
        KeyPair key = TestKeys.ed25519();
        byte[] pdf = new byte[3000];
        new Random(7).nextBytes(pdf);
        try (DnsmasqServer dns = dns(TestKeys.dnsmasqTxt("s1._domainkey.acme.test", TestKeys.txt(key)));
             CapturingSink sink = CapturingSink.start(MX, CapturingSink.ACCEPT_ALL);
             DkimPy dkim = DkimPy.require(dns.address())) {
            Setup setup = setup(dns, sink.port(), Map.of("postloom.dkim.\"acme.test\".s1",
                    TestKeys.pkcs8(work, "s1.pem", key).toString()));
            relays.start(setup.settings);

            var built = setup.client.post("""
                    {"envelope_sender": "bounces@acme.test",
                     "recipients": [{"email": "ann@dest.test", "name": "Ann", "substitutions": {"first": "Ann", "deal": "<b>50%</b>"}},
                                    {"email": "bob@dest.test", "substitutions": {"first": "Bob"}}],
                     "substitutions": {"deal": "10% & more"},
                     "content": {"from": {"email": "app@acme.test", "name": "Acme"}, "subject": "Hi {{first}}",
                       "text_body": "Dear {{first}},\\n{{deal}}\\n", "html_body": "<p>Dear {{first}}, {{deal}} {{{deal}}}</p>",
                       "attachments": [{"file_name": "invoice.pdf", "content_type": "application/pdf", "base64": "PDF"}]}}
                    """.replace("PDF", Base64.getEncoder().encodeToString(pdf)), ACME, "Bearer acme-token");
            assertThat(built.status()).as(built.raw()).isEqualTo(200);
            var raw = setup.client.post("""
                    {"envelope_sender": "bounces@acme.test", "recipients": [{"email": "cat@dest.test", "substitutions": {"n": "7"}}],
                     "content": "From: app@acme.test\\nTo: cat@dest.test\\nSubject: raw {{n}}\\n\\nNumber {{n}}.\\n"}""",
                    ACME, "Bearer acme-token");
            assertThat(raw.status()).as(raw.raw()).isEqualTo(200);

            List<String> ids = new ArrayList<>(built.queueIds());
            ids.addAll(raw.queueIds());
            assertThat(FaultSettings.awaitArrivals(sink, ids, ARRIVAL).keySet()).containsAll(ids);

            JsonNode ann = parsed(delivery(sink, ids.get(0)));
            assertThat(ann.get("defects")).isEmpty();
            assertThat(ann.get("to").asText()).isEqualTo("Ann <ann@dest.test>");
            assertThat(ann.get("subject").asText()).isEqualTo("Hi Ann");
            assertThat(ann.get("text").asText()).isEqualTo("Dear Ann,\n<b>50%</b>\n");
            assertThat(ann.get("html").asText()).isEqualTo("<p>Dear Ann, &lt;b&gt;50%&lt;/b&gt; <b>50%</b></p>");
            assertThat(ann.get("attachments")).hasSize(1);
            assertThat(ann.get("attachments").get(0).get("file_name").asText()).isEqualTo("invoice.pdf");
            assertThat(ann.get("attachments").get(0).get("content_type").asText()).isEqualTo("application/pdf");
            assertThat(ann.get("attachments").get(0).get("sha256").asText()).isEqualTo(sha256(pdf));
            assertThat(ann.get("message_id").asText()).isEqualTo("<" + ids.get(0) + "@" + RelayProcess.HOSTNAME + ">");
            assertThat(ann.get("date").asText()).isNotEqualTo("None");

            JsonNode bob = parsed(delivery(sink, ids.get(1)));
            assertThat(bob.get("to").asText()).isEqualTo("bob@dest.test");
            assertThat(bob.get("text").asText()).as("the global value where bob has none").isEqualTo("Dear Bob,\n10% & more\n");
            assertThat(bob.get("html").asText()).isEqualTo("<p>Dear Bob, 10% &amp; more 10% & more</p>");

            String rawContent = delivery(sink, ids.get(2)).content();
            assertThat(rawContent).contains("\r\n\tby " + RelayProcess.HOSTNAME + " (Postloom) with HTTP id " + ids.get(2))
                    .contains("\r\nFrom: app@acme.test\r\nTo: cat@dest.test\r\nSubject: raw 7\r\n\r\nNumber 7.\r\n");
            for (String id : ids) {
                byte[] content = delivery(sink, id).content().getBytes(StandardCharsets.ISO_8859_1);
                assertThat(new String(content, StandardCharsets.ISO_8859_1)).startsWith("DKIM-Signature:");
                var verdict = dkim.verify(content);
                assertThat(verdict.allVerified()).as(verdict.output()).isTrue();
            }
            assertThat(setup.client.get("/metrics", "admin-token")).contains("postloom_tenant_messages_total{tenant=\"acme\"} 3.0");
        }
    }

    @Test
    void everyRefusalOfTheContractQueuesNothing() throws Exception {
        try (DnsmasqServer dns = dns(); CapturingSink sink = CapturingSink.start(MX, CapturingSink.ACCEPT_ALL)) {
            Setup setup = setup(dns, sink.port(), Map.of());
            RelayProcess relay = relays.start(setup.settings);
            InjectClient c = setup.client;
            String one = "{\"recipients\": [{\"email\": \"ann@dest.test\"}], \"content\": {\"from\": \"app@acme.test\","
                    + " \"subject\": \"s\", \"text_body\": \"t\"}}";
            expect(c.post("{\"recipients\": [", ACME, "Bearer acme-token"), 400, "body: not valid JSON");
            expect(c.post(one.replace("ann@dest.test", "ann@@dest"), ACME, "Bearer acme-token"), 400, "recipients[0].email:");
            expect(c.post(one.replace("\"subject\": \"s\"", "\"attachments\": [{\"file_name\": \"a\", \"base64\": \"!!\"}]"),
                    ACME, "Bearer acme-token"), 400, "content.attachments[0].base64: not valid base64");
            expect(c.post(one.replace("\"t\"", "\"{{missing}}\""), ACME, "Bearer acme-token"), 400,
                    "content.text_body: template error for recipients[0]");
            expect(c.post(one), 401, "Authorization:");
            expect(c.post(one, ACME, "Bearer not-a-token"), 401, "Authorization:");
            expect(c.post(one.replace("app@acme.test", "app@elsewhere.test"), ACME, "Bearer acme-token"), 403,
                    "envelope_sender: domain elsewhere.test");
            var tooLarge = streamTooLarge(setup);
            assertThat(tooLarge.status).as(tooLarge.response).isEqualTo(413);
            assertThat(tooLarge.response).contains("body: over postloom.limits.message-size (65536 bytes)");
            assertThat(tooLarge.sent).as("refused while it streamed in, long before its end").isLessThan(TOO_LARGE_BODY / 2);
            String slow = one.replace("app@acme.test", "app@slow.test");
            expect(c.post(slow, ACME, "Bearer slow-token"), 200, "");
            expect(c.post(slow, ACME, "Bearer slow-token"), 200, "");
            var limited = c.post(slow, ACME, "Bearer slow-token");
            expect(limited, 429, "recipients: the tenant's max-message-rate 2/h is used up");
            assertThat(limited.retryAfter()).hasValueSatisfying(s -> assertThat(Long.parseLong(s)).isBetween(1L, 1800L));
            var last = c.post(one, ACME, "Bearer acme-token");
            expect(last, 200, "");

            assertThat(FaultSettings.awaitArrivals(sink, last.queueIds(), ARRIVAL)).containsKey(last.queueIds().getFirst());
            assertThat(relay.awaitLogLines("queued id=", 3, ARRIVAL)).as("the two of slow and the last one: nothing else")
                    .hasSize(3);
            assertThat(sink.accepted).hasSize(3);
        }
        Path full = work.resolve("full");
        try (DnsmasqServer dns = dns()) {
            Setup setup = setup(dns, closedPort(), Map.of());
            RelayProcess relay = relays.start(setup.settings.set("POSTLOOM_LIMITS_QUEUE", "1")
                    .set("POSTLOOM_SPOOL_DIR", full.toString()));
            String one = "{\"recipients\": [{\"email\": \"ann@dest.test\"}], \"content\": {\"from\": \"app@acme.test\","
                    + " \"text_body\": \"t\"}}";
            expect(setup.client.post(one, ACME, "Bearer acme-token"), 200, "");
            var refused = setup.client.post(one, ACME, "Bearer acme-token");
            expect(refused, 503, "spool: full");
            assertThat(refused.retryAfter()).isPresent();
            assertThat(relay.awaitLogLines("queued id=", 1, ARRIVAL)).hasSize(1);
        }
    }

    @Test
    void aKeyIsAnsweredOnceAcrossKill9AndA200BeforeKill9IsDelivered() throws Exception {
        int sinkPort = closedPort(); // the next hop is down while the first relay runs: the mail waits in its spool
        try (DnsmasqServer dns = dns()) {
            Setup setup = setup(dns, sinkPort, Map.of());
            String json = "{\"recipients\": [{\"email\": \"ann@dest.test\"}, {\"email\": \"bob@dest.test\"}],"
                    + " \"content\": {\"from\": \"app@acme.test\", \"subject\": \"order\", \"text_body\": \"paid\"}}";
            RelayProcess first = relays.start(setup.settings);
            var answered = setup.client.post(json, ACME, "Bearer acme-token", "Idempotency-Key", "order-1");
            first.kill(); // at once after the 200
            assertThat(answered.status()).as(answered.raw()).isEqualTo(200);
            assertThat(answered.replayed()).isFalse();

            try (CapturingSink sink = CapturingSink.start(MX, sinkPort, CapturingSink.ACCEPT_ALL)) {
                RelayProcess second = relays.start(setup.settings);
                assertThat(second.recoveredAtStart()).isEqualTo(2);
                var repeated = setup.client.post(json, ACME, "Bearer acme-token", "Idempotency-Key", "order-1");
                assertThat(repeated.status()).isEqualTo(200);
                assertThat(repeated.replayed()).isTrue();
                assertThat(repeated.body()).isEqualTo(answered.body());

                List<CompletableFuture<InjectClient.Answer>> concurrent = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    concurrent.add(CompletableFuture.supplyAsync(() -> {
                        try {
                            return setup.client.post(json, ACME, "Bearer acme-token", "Idempotency-Key", "order-2");
                        } catch (IOException | InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                    }, java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()));
                }
                List<InjectClient.Answer> answers = concurrent.stream().map(CompletableFuture::join).toList();
                assertThat(answers).allSatisfy(a -> assertThat(a.body()).isEqualTo(answers.getFirst().body()));
                assertThat(answers.stream().filter(a -> !a.replayed())).hasSize(1);

                List<String> ids = new ArrayList<>(answered.queueIds());
                ids.addAll(answers.getFirst().queueIds());
                var arrivals = FaultSettings.awaitArrivals(sink, ids, ARRIVAL);
                assertThat(arrivals.keySet()).containsAll(ids);
                assertThat(arrivals.values()).allSatisfy(n -> assertThat(n).isEqualTo(1));
                assertThat(second.awaitLogLines("queued id=", 2, ARRIVAL)).as("order-2's two messages; order-1 not again")
                        .hasSize(2);
                assertThat(sink.accepted).hasSize(4);
            }
        }
    }

    @Test
    void mailOfAnSmtpAuthUserIsItsTenants() throws Exception {
        Path users = work.resolve("users");
        SwaksAuthIT.passwd(users, "app", "correct horse");
        try (DnsmasqServer dns = dns()) {
            Setup setup = setup(dns, closedPort(), Map.of("postloom.tenants.acme.smtp-users", "app"));
            RelayProcess relay = relays.start(setup.settings.relayNetworks("127.0.0.1/32")
                    .set("POSTLOOM_AUTH_USERS_FILE", users.toString()));
            var run = ExternalTool.require("swaks", "swaks").run(Duration.ofSeconds(60), "--server",
                    "127.0.0.1:" + relay.smtpPort(), "--local-interface", "127.0.6.3", "--from", "app@acme.test",
                    "--to", "ann@dest.test", "--tls", "--auth", "PLAIN", "--auth-user", "app", "--auth-password", "correct horse");
            assertThat(run.exitCode()).as(run.output()).isZero();
            var queued = java.util.regex.Pattern.compile("250 2.0.0 Ok: queued as (\\w+)").matcher(run.output());
            assertThat(queued.find()).as(run.output()).isTrue();
            JsonNode message = InjectClient.JSON.readTree(setup.client.get("/messages/" + queued.group(1), "admin-token"));
            assertThat(message.get("tenant").asText()).isEqualTo("acme");
            assertThat(setup.client.get("/metrics", "admin-token")).contains("postloom_tenant_messages_total{tenant=\"acme\"} 1.0")
                    .contains("postloom_tenant_messages_total{tenant=\"slow\"} 0.0");
        }
    }

    private static void expect(InjectClient.Answer answer, int status, String errorStart) {
        assertThat(answer.status()).as(answer.raw()).isEqualTo(status);
        if (status != 200) assertThat(answer.body().get("error").asText()).startsWith(errorStart);
    }

    private static final long TOO_LARGE_BODY = 64L << 20;

    private record Streamed(int status, String response, long sent) {}

    /**
     * A chunked body of 64 MiB, sent until the answer comes: a relay that buffered it whole would
     * answer only after the end, one that counts as it reads answers after the first 64 KiB.
     */
    private static Streamed streamTooLarge(Setup setup) throws Exception {
        try (Socket socket = new Socket(ADMIN, setup.client.port())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /messages HTTP/1.1\r\nHost: " + ADMIN + "\r\nAuthorization: Bearer acme-token\r\n"
                    + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            CompletableFuture<String> response = CompletableFuture.supplyAsync(() -> readAll(socket));
            // Valid JSON up to a string that never ends: the parser reads on, the limit must stop it.
            byte[] start = "{\"recipients\": [{\"email\": \"ann@dest.test\"}], \"content\": \"".getBytes(StandardCharsets.US_ASCII);
            out.write((Integer.toHexString(start.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(start);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = ("10000\r\n" + "x".repeat(0x10000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            long sent = 0;
            try {
                while (sent < TOO_LARGE_BODY && !response.isDone()) {
                    out.write(chunk);
                    sent += 0x10000;
                }
            } catch (IOException closedByTheRelay) {
                // the relay answered and closed: what counts is how much had gone by then
            }
            String text = response.get(30, java.util.concurrent.TimeUnit.SECONDS);
            int status = text.startsWith("HTTP/1.1 ") ? Integer.parseInt(text.substring(9, 12)) : -1;
            return new Streamed(status, text, sent);
        }
    }

    private static String readAll(Socket socket) {
        var bytes = new java.io.ByteArrayOutputStream();
        try {
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            for (int n; (n = in.read(buffer)) > 0; ) {
                bytes.write(buffer, 0, n);
                if (bytes.toString(StandardCharsets.ISO_8859_1).contains("}")) break; // the JSON error is whole
            }
        } catch (IOException e) {
            // reset after the answer: keep what came
        }
        return bytes.toString(StandardCharsets.ISO_8859_1);
    }

    private static CapturingSink.Delivery delivery(CapturingSink sink, String queueId) {
        return sink.accepted.stream().filter(d -> queueId.equals(d.queueId())).findFirst().orElseThrow();
    }

    /** What Python's email package reads in a delivered message (src/test/resources/inject/parse_mime.py). */
    private JsonNode parsed(CapturingSink.Delivery delivery) throws Exception {
        Path message = Files.write(Files.createTempFile(work, "delivered-", ".eml"),
                delivery.content().getBytes(StandardCharsets.ISO_8859_1));
        Path script = Path.of(HttpInjectionIT.class.getResource("/inject/parse_mime.py").toURI());
        var run = python.run(Duration.ofSeconds(30), script.toString(), message.toString());
        assertThat(run.exitCode()).as(run.toString()).isZero();
        return InjectClient.JSON.readTree(run.output());
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    /** A relay with tenants acme (sender domain acme.test) and slow (2/h), whose next hop is {@code MX:sinkPort}. */
    private record Setup(RelayProcess.Settings settings, InjectClient client) {}

    private Setup setup(DnsmasqServer dns, int sinkPort, Map<String, String> more) throws IOException {
        int adminPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName(ADMIN))) {
            adminPort = probe.getLocalPort();
        }
        var properties = new StringBuilder("""
                postloom.admin.token=admin-token
                postloom.tenants.acme.token=acme-token
                postloom.tenants.acme.sender-domains=acme.test
                postloom.tenants.slow.token=slow-token
                postloom.tenants.slow.max-message-rate=2/h
                postloom.limits.message-size=65536
                """);
        more.forEach((k, v) -> properties.append(k).append('=').append(v).append('\n'));
        Path file = Files.writeString(work.resolve("postloom.properties"), properties);
        var settings = FaultSettings.relayTo(work, dns, sinkPort).set("POSTLOOM_CONFIG", file.toString())
                .set("POSTLOOM_ADMIN_LISTEN", ADMIN + ":" + adminPort);
        return new Setup(settings, new InjectClient(ADMIN, adminPort));
    }

    private static DnsmasqServer dns(String... more) throws IOException {
        List<String> records = new ArrayList<>(List.of("--mx-host=dest.test,mx.dest.test,10", "--host-record=mx.dest.test," + MX));
        records.addAll(List.of(more));
        return DnsmasqServer.start(60, records.toArray(String[]::new));
    }

    private static int closedPort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName(MX))) {
            return probe.getLocalPort(); // nobody listens there once this closes
        }
    }
}
