package org.postloom.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** {@code POST /messages} over real HTTP (the JDK's client) to a relay's admin listener. */
final class InjectClient {

    static final ObjectMapper JSON = new ObjectMapper();

    /** What came back: the status, the headers a test looks at, the JSON body. */
    record Answer(int status, JsonNode body, Optional<String> retryAfter, boolean replayed, String raw) {
        List<String> queueIds() {
            List<String> ids = new ArrayList<>();
            body.get("messages").forEach(m -> ids.add(m.get("queue_id").asText()));
            return ids;
        }
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final URI uri;
    private final int port;

    InjectClient(String host, int port) {
        this.uri = URI.create("http://" + host + ":" + port + "/messages");
        this.port = port;
    }

    int port() {
        return port;
    }

    /** Posts {@code json} with these headers (name, value, ...). */
    Answer post(String json, String... headers) throws IOException, InterruptedException {
        var request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        for (int i = 0; i < headers.length; i += 2) request.header(headers[i], headers[i + 1]);
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode body = response.body().isEmpty() ? JSON.nullNode() : JSON.readTree(response.body());
        return new Answer(response.statusCode(), body, response.headers().firstValue("Retry-After"),
                response.headers().firstValue("Idempotent-Replayed").isPresent(), response.body());
    }

    /** A GET of another admin path, with the admin token. */
    String get(String path, String token) throws IOException, InterruptedException {
        var request = HttpRequest.newBuilder(uri.resolve(path)).header("Authorization", "Bearer " + token).GET().build();
        return http.send(request, HttpResponse.BodyHandlers.ofString()).body();
    }
}
