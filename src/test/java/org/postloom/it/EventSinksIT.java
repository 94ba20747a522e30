package org.postloom.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.dns.DnsmasqServer;

/**
 * Issue 14 end to end through the relay process: the 250 / 451-then-250 / 550 5.1.1 load gives
 * exactly one terminal event per recipient on the webhook (signatures verified) and in the JSON
 * Lines file; the 550s put their recipients on the suppression list, and later mail to one of
 * them reaches no MX and yields one suppression event; the list is served on the admin plane.
 */
class EventSinksIT {

    private static final String SECRET = "webhook-secret-14";
    /** The egress source's address, in this test's own loopback range. */
    private static final String SOURCE_ADDRESS = "127.0.7.1";
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final Relays relays = new Relays();

    @TempDir
    Path work;

    @Test
    void everySinkGetsOneTerminalEventPerRecipientAndSuppressedRecipientsAreNotAttempted() throws Exception {
        try (CapturingSink mx = CapturingSink.start(EventLoad.MX_ADDRESS, EventLoad.policy());
             DnsmasqServer dns = DnsmasqServer.start(60, "--mx-host=dest.test,mx.dest.test,10",
                     "--host-record=mx.dest.test," + EventLoad.MX_ADDRESS);
             WebhookReceiver webhook = WebhookReceiver.start("127.0.3.3", 0, SECRET)) {
            Path eventsFile = work.resolve("events.jsonl");
            int admin = Ports.free("127.0.3.1");
            // One egress source, so that events name it and the address its connections are bound to.
            Path config = Files.writeString(work.resolve("postloom.properties"), String.join("\n",
                    "postloom.egress.sources.\"e7\".address=" + SOURCE_ADDRESS, "postloom.egress.sources.\"e7\".ehlo=o7.relay.test",
                    "postloom.egress.pools.\"main\"=e7:1", "postloom.egress.default-pool=main", ""));
            RelayProcess relay = relays.start(FaultSettings.relayTo(work, dns, mx.port())
                    .set("POSTLOOM_CONFIG", config.toString())
                    .set("POSTLOOM_ADMIN_LISTEN", "127.0.3.1:" + admin)
                    .set("POSTLOOM_EVENTS_FILE", eventsFile.toString())
                    .set("POSTLOOM_EVENTS_WEBHOOK_URL", webhook.url())
                    .set("POSTLOOM_EVENTS_WEBHOOK_SECRET", SECRET)
                    .set("POSTLOOM_EVENTS_WEBHOOK_BATCH_SIZE", "3")
                    .set("POSTLOOM_EVENTS_HEADERS", "X-Campaign")
                    .set("POSTLOOM_SUPPRESSION_ENABLED", "true")
                    .set("POSTLOOM_DELIVERY_BOUNCE_MESSAGES", "false"));
            List<String> ids = EventLoad.send(relay.smtpPort());

            assertThat(webhook.await(EventLoad::complete, Duration.ofSeconds(60))).as("all events at the webhook").isTrue();
            EventLoad.check(webhook.byId, ids);
            assertThat(webhook.badSignatures).hasValue(0);
            checkSourceAndConnection(webhook.byId, ids);
            assertThat(relay.log()).contains("dsn-skipped id=" + ids.get(3) + " reason=bounce-messages-off");

            // Later mail to a bounced address: no RCPT for it at the MX, one suppression event.
            String next = MessageSender.send(relay.smtpPort(), "app@sender.test", List.of("gone1@dest.test", "ok4@dest.test"),
                    "Message-ID: <after@sender.test>\r\n\r\nagain\r\n");
            assertThat(webhook.await(m -> m.containsKey(next + ".0.s") && m.containsKey(next + ".1.1d"), Duration.ofSeconds(30))).isTrue();
            JsonNode suppression = webhook.byId.get(next + ".0.s");
            assertThat(suppression.get("type").asText()).isEqualTo("suppression");
            assertThat(suppression.get("bounce_class").asText()).isEqualTo("invalid-recipient");
            assertThat(suppression.has("mx_host")).isFalse();
            assertThat(mx.rcptsOffered.stream().filter("gone1@dest.test"::equals)).as("RCPTs for gone1").hasSize(1);
            assertThat(mx.rcptsOffered).contains("ok4@dest.test");

            // The file sink has the same events (it may lag the webhook by a batch).
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            Map<String, JsonNode> fromFile = readFile(eventsFile);
            while (!fromFile.keySet().containsAll(webhook.byId.keySet()) && System.nanoTime() < deadline) {
                Thread.sleep(100);
                fromFile = readFile(eventsFile);
            }
            assertThat(fromFile.keySet()).containsExactlyInAnyOrderElementsOf(webhook.byId.keySet());
            EventLoad.check(fromFile, ids);

            checkAdminPlane("http://127.0.3.1:" + admin);
            checkOperatorDeleteAndTenant("http://127.0.3.1:" + admin, relay.smtpPort(), webhook);
        }
    }

    /** Every attempted event names the egress source and both ends of its connection. */
    private static void checkSourceAndConnection(Map<String, JsonNode> byId, List<String> ids) {
        List<JsonNode> attempted = byId.values().stream().filter(e -> ids.contains(e.get("queue_id").asText()))
                .filter(e -> List.of("delivery", "transient-failure", "bounce").contains(e.get("type").asText())).toList();
        assertThat(attempted).extracting(e -> e.get("type").asText()).contains("delivery", "transient-failure", "bounce");
        for (JsonNode e : attempted) {
            assertThat(e.get("source").asText()).as("source of " + e.get("id")).isEqualTo("e7");
            assertThat(e.get("source_address").asText()).as("source_address of " + e.get("id")).isEqualTo(SOURCE_ADDRESS);
            assertThat(e.get("site").asText()).isEqualTo("mx.dest.test");
            assertThat(e.get("mx_host").asText()).isEqualTo("mx.dest.test");
            assertThat(e.get("mx_address").asText()).isEqualTo(EventLoad.MX_ADDRESS);
            assertThat(e.get("attempt").asInt()).isPositive();
            assertThat(e.get("sender").asText()).isEqualTo("app@sender.test");
            assertThat(e.get("size").asLong()).isPositive();
            assertThat(e.get("message_id").asText()).startsWith("<load");
            assertThat(e.get("headers").get("X-Campaign").asText()).isEqualTo("c1");
            assertThat(e.has("tenant")).as("SMTP mail of no tenant").isFalse();
        }
    }

    /**
     * A message the MX keeps deferring, deleted by the operator: one bounce of class other, of no
     * attempt. HTTP injection (no token configured: tenant default) carries the tenant.
     */
    private static void checkOperatorDeleteAndTenant(String base, int smtpPort, WebhookReceiver webhook) throws Exception {
        String held = MessageSender.send(smtpPort, "app@sender.test", List.of("hold1@dest.test"),
                "Message-ID: <held@sender.test>\r\n\r\nheld\r\n");
        assertThat(webhook.await(m -> m.containsKey(held + ".0.1t"), Duration.ofSeconds(30))).as("held once").isTrue();
        HttpClient http = HttpClient.newHttpClient();
        var deleted = http.send(HttpRequest.newBuilder(URI.create(base + "/messages/" + held)).DELETE().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(deleted.statusCode()).isEqualTo(200);
        assertThat(webhook.await(m -> m.containsKey(held + ".0.b"), Duration.ofSeconds(30))).as("the delete's bounce").isTrue();
        JsonNode bounce = webhook.byId.get(held + ".0.b");
        assertThat(bounce.get("type").asText()).isEqualTo("bounce");
        assertThat(bounce.get("bounce_class").asText()).isEqualTo("other");
        assertThat(bounce.get("status").asText()).isEqualTo("5.0.0");
        assertThat(bounce.get("reply").asText()).contains("Deleted from the queue by the operator");
        assertThat(bounce.get("recipient").asText()).isEqualTo("hold1@dest.test");
        assertThat(bounce.has("attempt")).isFalse();
        assertThat(bounce.has("mx_host")).isFalse();

        var injected = http.send(HttpRequest.newBuilder(URI.create(base + "/messages"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"envelope_sender\": \"app@sender.test\", \"recipients\": "
                        + "[{\"email\": \"ok9@dest.test\"}], \"content\": \"From: app@sender.test\\r\\nMessage-ID: <http@sender.test>\\r\\nX-Campaign: c2\\r\\n"
                        + "\\r\\nhello\\r\\n\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(injected.statusCode()).as(injected.body()).isEqualTo(200);
        String id = JSON.readTree(injected.body()).get("messages").get(0).get("queue_id").asText();
        assertThat(webhook.await(m -> m.containsKey(id + ".0.1d"), Duration.ofSeconds(30))).isTrue();
        for (String eventId : List.of(id + ".r", id + ".0.1d")) {
            JsonNode e = webhook.byId.get(eventId);
            assertThat(e.get("tenant").asText()).as("tenant of " + eventId).isEqualTo("default");
            assertThat(e.get("headers").get("X-Campaign").asText()).isEqualTo("c2");
            assertThat(e.get("message_id").asText()).isEqualTo("<http@sender.test>");
        }
        assertThat(webhook.byId.get(id + ".r").get("recipients")).extracting(JsonNode::asText).containsExactly("ok9@dest.test");
    }

    private static Map<String, JsonNode> readFile(Path file) throws Exception {
        Map<String, JsonNode> byId = new LinkedHashMap<>();
        if (!Files.exists(file)) return byId;
        for (String line : Files.readAllLines(file)) {
            JsonNode event = JSON.readTree(line);
            byId.putIfAbsent(event.get("id").asText(), event);
        }
        return byId;
    }

    private static void checkAdminPlane(String base) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("postloom_events_backlog{sink=\"webhook\"}").contains("postloom_events_backlog{sink=\"file\"}");

        JsonNode list = JSON.readTree(get(http, base + "/suppressions").body());
        assertThat(list).extracting(n -> n.get("address").asText()).containsExactly("gone1@dest.test", "gone2@dest.test");
        assertThat(list.get(0).get("bounce_class").asText()).isEqualTo("invalid-recipient");
        assertThat(list.get(0).get("since").asText()).isNotBlank();
        assertThat(list.get(0).get("reply").asText()).contains("5.1.1");

        var put = http.send(HttpRequest.newBuilder(URI.create(base + "/suppressions/manual@dest.test"))
                .PUT(HttpRequest.BodyPublishers.ofString("{\"bounce_class\":\"reputation\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).isEqualTo(200);
        var bad = http.send(HttpRequest.newBuilder(URI.create(base + "/suppressions/not-an-address"))
                .PUT(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("\"error\"").contains("address");
        var delete = http.send(HttpRequest.newBuilder(URI.create(base + "/suppressions/gone2@dest.test")).DELETE().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(delete.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(get(http, base + "/suppressions").body())).extracting(n -> n.get("address").asText())
                .containsExactly("gone1@dest.test", "manual@dest.test");
        var again = http.send(HttpRequest.newBuilder(URI.create(base + "/suppressions/gone2@dest.test")).DELETE().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(again.statusCode()).isEqualTo(404);
    }

    private static HttpResponse<String> get(HttpClient http, String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
