package org.postloom.events;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Each batch as one POST of a JSON array ({@code postloom.events.webhook.url}), signed with
 * {@code X-Postloom-Signature: sha256=<hex HMAC-SHA256 of the body>} when a secret is set. Only a
 * 2xx answer within the time-out counts; anything else is retried by the pump.
 */
final class WebhookSink implements EventSink {

    static final String SIGNATURE_HEADER = "X-Postloom-Signature";
    private static final int IN_FLIGHT = 4;

    private final URI url;
    private final Optional<byte[]> secret;
    private final int batchSize;
    private final Duration timeout;
    private final HttpClient client;

    WebhookSink(URI url, Optional<String> secret, int batchSize, Duration timeout) {
        this.url = url;
        this.secret = secret.filter(s -> !s.isEmpty()).map(s -> s.getBytes(StandardCharsets.UTF_8));
        this.batchSize = batchSize;
        this.timeout = timeout;
        this.client = HttpClient.newBuilder().connectTimeout(timeout).version(HttpClient.Version.HTTP_1_1).build();
    }

    /** The URL, checked at start: one line naming the setting when it is not absolute http(s). */
    static URI parseUrl(String text) {
        try {
            URI uri = new URI(text.strip());
            if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https")) || uri.getHost() == null) {
                throw new IllegalArgumentException("postloom.events.webhook.url: not an absolute http(s) URL: " + text);
            }
            return uri;
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("postloom.events.webhook.url: not a URL: " + text + " (" + e.getReason() + ")");
        }
    }

    /** {@code sha256=} and the hex HMAC-SHA256 of {@code body} under {@code key}. */
    static String signature(byte[] key, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }

    @Override
    public String name() {
        return "webhook";
    }

    @Override
    public int inFlight() {
        return IN_FLIGHT;
    }

    @Override
    public int batchSize() {
        return batchSize;
    }

    @Override
    public CompletableFuture<Void> send(List<byte[]> events) {
        byte[] body = array(events);
        HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        secret.ifPresent(key -> request.header(SIGNATURE_HEADER, signature(key, body)));
        return client.sendAsync(request.build(), HttpResponse.BodyHandlers.discarding()).thenAccept(response -> {
            if (response.statusCode() / 100 != 2) {
                throw new IllegalStateException("webhook answered " + response.statusCode());
            }
        });
    }

    private static byte[] array(List<byte[]> events) {
        var out = new ByteArrayOutputStream(events.size() * 400);
        out.write('[');
        for (int i = 0; i < events.size(); i++) {
            if (i > 0) out.write(',');
            out.writeBytes(events.get(i));
        }
        out.write(']');
        return out.toByteArray();
    }

    @Override
    public void close() {
        client.close();
    }
}
