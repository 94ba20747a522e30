package org.postloom.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.testing.Await;

/**
 * What else several nodes share through one real redis-server (127.0.9.1), CONTRACT.md sections
 * 4 and 7: a tenant's max-message-rate holds for two relay processes (127.0.9.2-3) together, and
 * while Redis is stopped each applies half of it; a rule's suspension, a rule's throttle and an
 * operator's suspension set on one node reach the other at once, and a third node (127.0.9.4)
 * that starts after them finds them in Redis. Each site is a static route to its own sink.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterTenantsAndHoldsIT {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String TOKEN = "Bearer t-token";

    @TempDir
    static Path dir;

    private RedisServer redis;
    /** tenant.test (accepts), rule.test (421 [TS04] to its first MAIL), slow.test (451 4.7.28 to its first), op.test. */
    private final List<CapturingSink> sinks = new ArrayList<>();
    private final List<RelayProcess> nodes = new ArrayList<>();

    @BeforeAll
    void startRedisSinksAndTwoNodes() throws Exception {
        redis = RedisServer.start("127.0.9.1", dir);
        sinks.add(CapturingSink.start("127.0.9.10", CapturingSink.ACCEPT_ALL));
        sinks.add(CapturingSink.start("127.0.9.11", firstMailGets("421 4.7.0 [TS04] Messages from you temporarily deferred")));
        sinks.add(CapturingSink.start("127.0.9.12", firstMailGets("451 4.7.28 Our system has detected an unusual rate of mail")));
        sinks.add(CapturingSink.start("127.0.9.13", CapturingSink.ACCEPT_ALL));
        var threads = Executors.newVirtualThreadPerTaskExecutor();
        var starting = IntStream.of(1, 2).mapToObj(i -> CompletableFuture.supplyAsync(() -> node(i), threads)).toList();
        threads.shutdown();
        starting.forEach(s -> nodes.add(s.join()));
    }

    @AfterAll
    void stop() throws Exception {
        for (RelayProcess node : nodes) {
            node.close();
            System.out.println("---- " + node.logFile() + " (last 40 lines) ----\n" + node.logTail(40));
        }
        for (CapturingSink sink : sinks) sink.close();
        redis.close();
    }

    @Test
    @Order(1)
    void aTenantsRateHoldsForAllNodesTogetherAndHalfOfItOnEachWhileRedisIsAway() throws Exception {
        RelayProcess a = nodes.get(0);
        RelayProcess b = nodes.get(1);
        awaitRedisUp(a, b);
        // 6/min: six at once over both nodes, then one each 10 s.
        assertThat(post(a, 4).statusCode()).as("4 of the 6 on node 1").isEqualTo(200);
        assertThat(post(b, 2).statusCode()).as("2 more on node 2").isEqualTo(200);
        assertUsedUp(post(b, 1));
        assertUsedUp(post(a, 1));

        redis.stop();
        Await.until("postloom_cluster_redis_up 0 on both nodes", WAIT, () -> gauge(a) == 0 && gauge(b) == 0);
        for (RelayProcess node : List.of(a, b)) {
            assertThat(post(node, 3).statusCode()).as("half of 6/min while Redis is away").isEqualTo(200);
            assertUsedUp(post(node, 1));
        }
        redis.start();
        awaitRedisUp(a, b);
        Await.until("the 12 tenant messages delivered", WAIT, () -> sinks.get(0).accepted.size() == 12);
    }

    @Test
    @Order(2)
    void rulesSuspensionsThrottlesAndOperatorsHoldsReachLiveNodesAndOneThatStartsLater() throws Exception {
        RelayProcess a = nodes.get(0);
        RelayProcess b = nodes.get(1);
        awaitRedisUp(a, b);
        send(a, "first@rule.test");
        send(a, "first@slow.test");
        String opSite = site(3);
        assertThat(admin(a, "/sites/" + opSite + "/suspend?for=PT10M").statusCode()).isEqualTo(200);
        assertThat(a.awaitLogLines("site-suspended site=" + site(1), 1, WAIT)).as("the rule fired on node 1").isNotEmpty();
        assertThat(a.awaitLogLines("site-throttled site=" + site(2), 1, WAIT)).as("the throttle rule fired").isNotEmpty();
        assertThat(b.awaitLogLines("cluster-hold via=", 3, WAIT)).as("node 2 heard of the three holds (pub/sub or its reading of Redis, whichever came first)").hasSize(3);
        sendHeldAndThrottled(b, "b");

        RelayProcess late = node(3);
        nodes.add(late);
        assertThat(late.awaitLogLines("cluster-hold via=redis", 3, WAIT)).as("node 3 read the three holds at start").hasSize(3);
        sendHeldAndThrottled(late, "c");

        for (RelayProcess node : List.of(b, late)) {
            Await.until("the held mail waiting on " + node.host(), WAIT, () -> ready(node, site(1)) == 1 && ready(node, opSite) == 1);
            assertThat(path(node, site(1)).get("suspended_until").isNull()).as("the rule's suspension").isFalse();
            assertThat(path(node, opSite).get("suspended_until").isNull()).as("the operator's suspension").isFalse();
            assertThat(path(node, site(2)).get("throttled_until").isNull()).as("the rule's throttle").isFalse();
        }
        Await.until("the throttled mail of both nodes", WAIT, () -> sinks.get(2).accepted.stream()
                .filter(d -> !d.recipients().getFirst().startsWith("first")).count() == 2 * 12);
        for (String prefix : List.of("b", "c")) {
            assertThat(spanSeconds(sinks.get(2), prefix + "-")).as("seconds for 12 messages at the throttle's 4/s, node " + prefix)
                    .isGreaterThan(2.0);
        }
        assertThat(sinks.get(1).accepted).as("nothing past the rule's suspension").isEmpty();
        assertThat(sinks.get(3).accepted).as("nothing past the operator's suspension").isEmpty();

        assertThat(admin(late, "/sites/" + opSite + "/resume").statusCode()).isEqualTo(200);
        Await.until("the operator's hold lifted on every node", WAIT, () -> sinks.get(3).accepted.size() == 2);
    }

    // ---- fixtures ----

    private RelayProcess node(int i) {
        try {
            Path work = dir.resolve("node" + i);
            Files.createDirectories(work);
            List<String> domains = List.of("tenant.test", "rule.test", "slow.test", "op.test");
            List<String> lines = new ArrayList<>();
            for (int s = 0; s < domains.size(); s++) lines.add("postloom.routes.\"" + domains.get(s) + "\"=" + site(s));
            lines.addAll(List.of(
                    "postloom.cluster.redis=" + redis.uri(),
                    "postloom.cluster.node=node" + i,
                    "postloom.cluster.lease-ttl=PT3S",
                    "postloom.cluster.size=2",
                    "postloom.tenants.t.token=t-token",
                    "postloom.tenants.t.max-message-rate=6/min",
                    "postloom.shaping.rules[0].reply=TS04",
                    "postloom.shaping.rules[0].action=suspend",
                    "postloom.shaping.rules[0].duration=PT10M",
                    "postloom.shaping.rules[1].reply=4.7.28",
                    "postloom.shaping.rules[1].action=throttle",
                    "postloom.shaping.rules[1].max-message-rate=4/s",
                    "postloom.shaping.rules[1].duration=PT10M"));
            Path config = Files.write(work.resolve("postloom.properties"), lines);
            return RelayProcess.start(RelayProcess.Settings.in(work).host("127.0.9." + (i + 1))
                    .set("POSTLOOM_CONFIG", config.toString()));
        } catch (IOException | InterruptedException e) {
            throw new CompletionException(e);
        }
    }

    /** The site (static route, {@code host:port}) of sink {@code i}. */
    private String site(int i) {
        return "127.0.9." + (10 + i) + ":" + sinks.get(i).port();
    }

    private static CapturingSink.Policy firstMailGets(String reply) {
        return new CapturingSink.Policy() {
            @Override
            public String mail(int transaction) {
                return transaction == 1 ? reply : "250 2.1.0 Ok";
            }
        };
    }

    private void sendHeldAndThrottled(RelayProcess node, String prefix) throws IOException {
        send(node, prefix + "@rule.test");
        send(node, prefix + "@op.test");
        for (int i = 0; i < 12; i++) send(node, prefix + "-" + i + "@slow.test");
    }

    private static void send(RelayProcess node, String recipient) throws IOException {
        MessageSender.send(node.host(), node.smtpPort(), "app@sender.test", List.of(recipient),
                "Subject: holds\r\nMessage-ID: <" + recipient + ">\r\n\r\nhello\r\n");
    }

    /** Seconds from the first to the last MAIL on the connections of one node (its recipients start with {@code prefix}). */
    private static double spanSeconds(CapturingSink sink, String prefix) {
        List<java.time.Instant> mails = sink.mailTimes(c -> c.recipients.stream().anyMatch(r -> r.startsWith(prefix)));
        assertThat(mails).as("transactions for " + prefix + "*").hasSize(12);
        return Duration.between(mails.getFirst(), mails.getLast()).toNanos() / 1e9;
    }

    /** POST /messages for tenant t, one message per recipient. */
    private static HttpResponse<String> post(RelayProcess node, int recipients) throws IOException, InterruptedException {
        String to = String.join(", ", IntStream.range(0, recipients).mapToObj(i -> "{\"email\": \"r" + i + "@tenant.test\"}").toList());
        String body = "{\"recipients\": [" + to + "], \"content\": {\"from\": \"app@sender.test\", \"subject\": \"s\", \"text_body\": \"t\"}}";
        return HTTP.send(HttpRequest.newBuilder(uri(node, "/messages")).header("Authorization", TOKEN)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void assertUsedUp(HttpResponse<String> refused) throws IOException {
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
        assertThat(JSON.readTree(refused.body()).get("error").asText()).isEqualTo("recipients: the tenant's max-message-rate 6/min is used up");
        assertThat(refused.headers().firstValue("Retry-After")).hasValueSatisfying(s -> assertThat(Long.parseLong(s)).isBetween(1L, 60L));
    }

    private static HttpResponse<String> admin(RelayProcess node, String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(uri(node, path)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(RelayProcess node, String path) {
        return URI.create("http://" + node.host() + ":" + node.adminPort() + path);
    }

    /** The (only) path of {@code site} in the node's {@code GET /sites}, or null while the site is unknown there. */
    private static JsonNode path(RelayProcess node, String site) throws IOException, InterruptedException {
        String sites = HTTP.send(HttpRequest.newBuilder(uri(node, "/sites")).build(), HttpResponse.BodyHandlers.ofString()).body();
        for (JsonNode s : JSON.readTree(sites)) if (s.get("site").asText().equals(site)) return s.get("paths").get(0);
        return null;
    }

    private static int ready(RelayProcess node, String site) throws IOException, InterruptedException {
        JsonNode path = path(node, site);
        return path == null ? -1 : path.get("ready").asInt();
    }

    private static void awaitRedisUp(RelayProcess... nodes) throws InterruptedException {
        Await.until("postloom_cluster_redis_up 1", WAIT, () -> List.of(nodes).stream().allMatch(n -> gauge(n) == 1));
    }

    private static int gauge(RelayProcess node) {
        try {
            String metrics = HTTP.send(HttpRequest.newBuilder(uri(node, "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
            return metrics.lines().filter(l -> l.startsWith("postloom_cluster_redis_up "))
                    .mapToInt(l -> (int) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(-1);
        } catch (IOException | InterruptedException | RuntimeException e) {
            return -1;
        }
    }
}
