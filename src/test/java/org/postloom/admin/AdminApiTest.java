package org.postloom.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.Relay;
import org.postloom.SmtpReplies;
import org.postloom.cli.Main;
import org.postloom.config.ConfigLoader;
import org.postloom.smtp.MemoryStore;
import org.postloom.smtp.RelayPolicy;
import org.postloom.smtp.SessionSettings;
import org.postloom.smtp.server.ConnectionLimits;
import org.postloom.smtp.server.ConnectionSettings;
import org.postloom.intake.Intake;
import org.postloom.smtp.server.SmtpMetrics;
import org.postloom.smtp.server.SmtpServer;
import org.postloom.smtp.server.TlsUpgrade;
import org.postloom.testing.Await;

/**
 * The admin plane over real HTTP against a running relay: health, metrics that move as mail
 * flows, and queue control (suspend, resume, retry, delete with a bounce).
 */
class AdminApiTest {

    @TempDir
    static Path spool;
    static MemoryStore destination = new MemoryStore();
    static SmtpServer mx;
    static Relay relay;
    static final HttpClient http = HttpClient.newHttpClient();
    static final ObjectMapper json = new ObjectMapper();
    static String dest;

    @BeforeAll
    static void start() throws IOException {
        mx = new SmtpServer(List.of(new SmtpServer.Listener(new InetSocketAddress("127.0.0.4", 0), false)),
                new SessionSettings("mx.test", 1_000_000, 100, 10, false, RelayPolicy.of(List.of("127.0.0.0/8"), List.of())),
                new ConnectionSettings(Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(10), 10_000),
                ConnectionLimits.of(100), destination, TlsUpgrade.NONE, Clock.systemUTC(), SmtpMetrics.none(),
                Intake.unsigned(destination));
        mx.start();
        int port = mx.boundAddresses().getFirst().getPort();
        dest = "[127.0.0.4]:" + port;
        Map<String, String> p = new HashMap<>();
        p.put("postloom.hostname", "relay.test");
        p.put("postloom.smtp.listen", "127.0.0.1:0");
        p.put("postloom.admin.listen", "127.0.0.1:0");
        p.put("postloom.spool.dir", spool.toString());
        p.put("postloom.dns.servers", "127.0.0.1:9");    // nothing answers: MX mail would wait
        p.put("postloom.routes.\"*\"", "127.0.0.4:" + port);
        relay = Relay.start(ConfigLoader.of(p));
    }

    @AfterAll
    static void stop() {
        if (relay != null) relay.close();
        if (mx != null) mx.close();
    }

    @Test
    void healthIsLiveAndReadyOnceStarted() throws Exception {
        assertThat(get("/health/live").statusCode()).isEqualTo(200);
        HttpResponse<String> ready = get("/health/ready");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(json.readTree(ready.body()).get("status").asText()).isEqualTo("UP");
    }

    @Test
    void metricsMoveAsMailFlows() throws Exception {
        double accepted = metric("postloom_smtp_messages_total\\{result=\"stored\"\\}");
        double delivered = metric("postloom_delivery_recipients_total\\{result=\"delivered\"\\}");
        send("a@client.test", "m1@x.test");
        Await.until("delivered", () -> destination.committed().stream().anyMatch(s -> s.text().contains("to m1")));
        Await.until("metrics", () -> metric("postloom_delivery_recipients_total\\{result=\"delivered\"\\}") >= delivered + 1);
        assertThat(metric("postloom_smtp_messages_total\\{result=\"stored\"\\}")).isEqualTo(accepted + 1);
        assertThat(metric("postloom_spool_fsync_seconds_count")).isGreaterThan(0);
        assertThat(metric("postloom_smtp_connections_total")).isGreaterThan(0);
        assertThat(get("/metrics").body()).contains("postloom_delivery_latency_seconds_bucket");
    }

    @Test
    void suspendHoldsADestinationAndResumeReleasesIt() throws Exception {
        assertThat(post("/queue/" + enc(dest) + "/suspend").statusCode()).isEqualTo(200);
        send("a@client.test", "held@x.test");
        Await.until("queued while suspended", () -> summary().stream().anyMatch(d -> d.get("destination").asText().equals(dest)
                && d.get("suspended").asBoolean() && d.get("messages").asInt() >= 1));
        Await.holds("nothing delivered while suspended", Duration.ofMillis(300),
                () -> destination.committed().stream().noneMatch(s -> s.text().contains("to held")));
        JsonNode listed = json.readTree(get("/queue/" + enc(dest)).body());
        assertThat(listed.toString()).contains("held@x.test");
        assertThat(post("/queue/" + enc(dest) + "/resume").statusCode()).isEqualTo(200);
        Await.until("released", () -> destination.committed().stream().anyMatch(s -> s.text().contains("to held")));
    }

    @Test
    void aDestinationIsListedOldestFirstAPageAtATime() throws Exception {
        assertThat(post("/queue/" + enc(dest) + "/suspend").statusCode()).isEqualTo(200);
        try {
            String first = send("a@client.test", "page1@x.test");
            send("a@client.test", "page2@x.test");
            send("a@client.test", "page3@x.test");
            Await.until("three queued", () -> json.readTree(get("/queue/" + enc(dest)).body()).size() >= 3);
            JsonNode page = json.readTree(get("/queue/" + enc(dest) + "?limit=1").body());
            assertThat(page.size()).isEqualTo(1);
            assertThat(page.get(0).get("id").asText()).isEqualTo(first);
            var bad = get("/queue/" + enc(dest) + "?limit=0");
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(json.readTree(bad.body()).get("error").asText()).startsWith("limit:");
        } finally {
            post("/queue/" + enc(dest) + "/resume");
        }
    }

    @Test
    void deleteRemovesAMessageAndBouncesIt() throws Exception {
        post("/queue/" + enc(dest) + "/suspend");
        String id = send("owner@client.test", "doomed@x.test");
        HttpResponse<String> shown = get("/messages/" + id);
        assertThat(shown.statusCode()).isEqualTo(200);
        assertThat(json.readTree(shown.body()).get("recipients").get(0).get("state").asText()).isEqualTo("pending");
        assertThat(delete("/messages/" + id + "?bounce=true").statusCode()).isEqualTo(200);
        assertThat(get("/messages/" + id).statusCode()).isEqualTo(404);
        post("/queue/" + enc(dest) + "/resume");
        Await.until("the bounce reached the sender", () -> destination.committed().stream()
                .anyMatch(s -> s.text().contains("Final-Recipient: rfc822; doomed@x.test")));
        assertThat(destination.committed()).noneMatch(s -> s.envelope().recipients().toString().contains("doomed"));
    }

    @Test
    void theCliPrintsTheQueueLikePostqueue() throws Exception {
        post("/queue/" + enc(dest) + "/suspend");
        String id = send("lister@client.test", "listed@x.test");
        try {
            String admin = "http://127.0.0.1:" + relay.adminPort();
            String list = cli("queue", "--admin", admin, "list");
            assertThat(list).contains("-Queue ID-").contains(id).contains("lister@client.test").contains("listed@x.test")
                    .containsPattern("-- \\d+ messages? in the queue\\.");
            assertThat(cli("queue", "--admin", admin)).contains(dest).contains("suspended");
            assertThat(cli("queue", "--admin", admin, "show", id)).contains("<listed@x.test> pending");
        } finally {
            post("/queue/" + enc(dest) + "/resume");
        }
    }

    private static String cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
        assertThat(exit).as("exit of %s; stderr %s", List.of(args), err).isZero();
        return out.toString();
    }

    @Test
    void unknownMessagesAre404() throws Exception {
        assertThat(get("/messages/NOSUCHID").statusCode()).isEqualTo(404);
        assertThat(delete("/messages/NOSUCHID").statusCode()).isEqualTo(404);
    }

    private static List<JsonNode> summary() {
        try {
            List<JsonNode> out = new ArrayList<>();
            json.readTree(get("/queue").body()).forEach(out::add);
            return out;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static double metric(String pattern) {
        Matcher m = Pattern.compile("(?m)^" + pattern + " ([0-9.eE+-]+)$").matcher(get("/metrics").body());
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static HttpResponse<String> get(String path) {
        return call(HttpRequest.newBuilder(uri(path)).GET());
    }

    static HttpResponse<String> post(String path) {
        return call(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.noBody()));
    }

    static HttpResponse<String> delete(String path) {
        return call(HttpRequest.newBuilder(uri(path)).DELETE());
    }

    private static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + relay.adminPort() + path);
    }

    private static HttpResponse<String> call(HttpRequest.Builder request) {
        try {
            return http.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Sends one message through the relay; returns its queue id. */
    static String send(String from, String to) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(relay.smtpAddresses().getFirst(), 5000);
            s.setSoTimeout(10_000);
            String local = to.substring(0, to.indexOf('@'));
            s.getOutputStream().write(("EHLO c.test\r\nMAIL FROM:<" + from + ">\r\nRCPT TO:<" + to + ">\r\nDATA\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            SmtpReplies.readUntil(s, "354 ");
            s.getOutputStream().write(("Subject: to " + local + "\r\n\r\nhi\r\n.\r\nQUIT\r\n").getBytes(StandardCharsets.US_ASCII));
            Matcher m = Pattern.compile("queued as (\\w+)").matcher(SmtpReplies.readUntil(s, "221 "));
            if (!m.find()) throw new AssertionError("not queued");
            return m.group(1);
        }
    }

}
