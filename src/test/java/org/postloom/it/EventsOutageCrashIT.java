package org.postloom.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.dns.DnsmasqServer;

/**
 * The webhook is down for 30 s while mail flows, and the relay is killed (SIGKILL) midway with
 * its events backlogged on disk; after the restart and the webhook's return, every message's
 * reception and delivery events arrive (deduplicated by id): none lost. Delivery did not wait
 * for the webhook meanwhile.
 */
class EventsOutageCrashIT {

    private static final String WEBHOOK_HOST = "127.0.3.5";
    private static final String SECRET = "outage";
    private static final int MESSAGES = 120;
    private static final Duration OUTAGE = Duration.ofSeconds(30);
    private static final Pattern BACKLOG = Pattern.compile("postloom_events_backlog\\{sink=\"webhook\"} (\\d+)");

    @RegisterExtension
    final Relays relays = new Relays();

    @TempDir
    Path work;

    @Test
    void nothingIsLostAcrossAWebhookOutageAndAKill() throws Exception {
        long outageStart = System.nanoTime();
        int webhookPort = Ports.free(WEBHOOK_HOST);                  // nobody listens there yet
        int admin = Ports.free("127.0.3.1");
        try (CapturingSink mx = CapturingSink.start(EventLoad.MX_ADDRESS, CapturingSink.ACCEPT_ALL);
             DnsmasqServer dns = DnsmasqServer.start(60, "--mx-host=dest.test,mx.dest.test,10",
                     "--host-record=mx.dest.test," + EventLoad.MX_ADDRESS)) {
            RelayProcess.Settings settings = FaultSettings.relayTo(work, dns, mx.port())
                    .set("POSTLOOM_ADMIN_LISTEN", "127.0.3.1:" + admin)
                    .set("POSTLOOM_EVENTS_WEBHOOK_URL", "http://" + WEBHOOK_HOST + ":" + webhookPort + "/events")
                    .set("POSTLOOM_EVENTS_WEBHOOK_SECRET", SECRET)
                    .set("POSTLOOM_EVENTS_MAX_BACKOFF", "PT2S");
            RelayProcess first = relays.start(settings);
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < MESSAGES; i++) {
                ids.add(MessageSender.send(first.smtpPort(), "app@sender.test", List.of("r" + i + "@dest.test"),
                        "Message-ID: <outage" + i + "@sender.test>\r\nSubject: outage\r\n\r\nbody " + i + "\r\n"));
            }
            first.awaitLogLines("delivered id=", MESSAGES / 2, Duration.ofSeconds(60));
            first.kill();

            RelayProcess second = relays.start(settings);
            FaultSettings.awaitArrivals(mx, ids, Duration.ofSeconds(60));
            assertThat(mx.arrivalsByQueueId().keySet()).as("delivery went on without the webhook").containsAll(ids);
            assertThat(backlog(admin)).as("events waiting on disk for the webhook").isGreaterThanOrEqualTo(MESSAGES);

            long wait = OUTAGE.toNanos() - (System.nanoTime() - outageStart);
            if (wait > 0) Thread.sleep(wait / 1_000_000);
            try (WebhookReceiver webhook = WebhookReceiver.start(WEBHOOK_HOST, webhookPort, SECRET)) {
                boolean all = webhook.await(byId -> missing(byId, ids).isEmpty(), Duration.ofSeconds(90));
                ProofReport.of("events-outage-kill").with("messages", MESSAGES).with("events-posted", webhook.received.size())
                        .with("events-unique", webhook.byId.size()).with("missing", missing(webhook.byId, ids).size()).print();
                assertThat(all).as("missing events: " + missing(webhook.byId, ids)).isTrue();
                assertThat(webhook.badSignatures).hasValue(0);
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (backlog(admin) > 0 && System.nanoTime() < deadline) Thread.sleep(100);
                assertThat(backlog(admin)).isZero();
            }
            assertThat(second.logLines("events-sink-failing sink=webhook").size()).as("warnings, one a minute at most").isLessThanOrEqualTo(1);
        }
    }

    /** Reception and delivery events of each message not yet at the webhook. */
    private static List<String> missing(Map<String, JsonNode> byId, List<String> ids) {
        List<String> out = new ArrayList<>();
        for (String id : ids) {
            if (!byId.containsKey(id + ".r")) out.add(id + ".r");
            boolean delivered = byId.values().stream().anyMatch(e -> e.get("queue_id").asText().equals(id)
                    && e.get("type").asText().equals("delivery"));
            if (!delivered) out.add(id + " delivery");
        }
        return out;
    }

    private static long backlog(int adminPort) throws Exception {
        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.3.1:" + adminPort + "/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = BACKLOG.matcher(metrics);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }
}
