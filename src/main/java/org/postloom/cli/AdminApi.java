package org.postloom.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.postloom.config.ConfigLoader;
import org.postloom.config.PostloomConfig;

/** The running relay's admin API as the CLI commands call it: base URL and token from options or the config. */
final class AdminApi {

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String admin;
    private final String token;
    private final Path config;

    AdminApi(String admin, String token, Path config) {
        this.admin = admin;
        this.token = token;
        this.config = config;
    }

    /** Calls the API; a 404 or 400 becomes an error naming what the API said. */
    JsonNode call(String method, String path) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(15))
                .method(method, HttpRequest.BodyPublishers.noBody());
        Optional.ofNullable(token).or(() -> settings().admin().token()).ifPresent(t -> request.header("Authorization", "Bearer " + t));
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 404 || response.statusCode() == 400) {
            JsonNode error = response.body().startsWith("{") ? json.readTree(response.body()).get("error") : null;
            throw new IllegalArgumentException(error != null ? error.asText() : "not found: " + path);
        }
        if (response.statusCode() != 200) throw new IOException("admin API answered " + response.statusCode() + " to " + method + " " + path);
        return json.readTree(response.body());
    }

    private String base() {
        if (admin != null) return admin.replaceAll("/+$", "");
        return "http://" + settings().admin().listen();
    }

    private PostloomConfig settings() {
        return ConfigLoader.load(Optional.ofNullable(config));
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
