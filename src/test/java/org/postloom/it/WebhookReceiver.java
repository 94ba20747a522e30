package org.postloom.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The application's end of the webhook: the JDK's HTTP server on a loopback address, checking
 * each POST's {@code X-Postloom-Signature} against the secret before it answers 200 and keeps
 * the events (deduplicated by id, as a consumer would). Bad signatures are counted and refused.
 */
final class WebhookReceiver implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    final Map<String, JsonNode> byId = new ConcurrentHashMap<>();
    final List<JsonNode> received = new CopyOnWriteArrayList<>();
    final AtomicInteger posts = new AtomicInteger();
    final AtomicInteger badSignatures = new AtomicInteger();
    private final HttpServer server;
    private final byte[] secret;

    private WebhookReceiver(HttpServer server, String secret) {
        this.server = server;
        this.secret = secret.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        server.createContext("/events", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String signature = exchange.getRequestHeaders().getFirst("X-Postloom-Signature");
            int status;
            if (signature == null || !MessageDigest.isEqual(signature.getBytes(), expected(body).getBytes())) {
                badSignatures.incrementAndGet();
                status = 401;
            } else {
                posts.incrementAndGet();
                for (JsonNode event : JSON.readTree(body)) {
                    received.add(event);
                    byId.putIfAbsent(event.get("id").asText(), event);
                }
                status = 200;
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        server.start();
    }

    static WebhookReceiver start(String host, int port, String secret) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(host), port), 100);
        server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        return new WebhookReceiver(server, secret);
    }

    String url() {
        return "http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort() + "/events";
    }

    /** {@code sha256=<hex>}, computed here independently of the relay's code. */
    private String expected(byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits until {@code done} holds for the deduplicated events, or the time is up. */
    boolean await(Predicate<Map<String, JsonNode>> done, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.test(byId)) {
            if (System.nanoTime() > deadline) return false;
            Thread.sleep(100);
        }
        return true;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
