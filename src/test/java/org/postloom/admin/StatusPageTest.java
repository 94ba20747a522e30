package org.postloom.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postloom.events.RecentEvents;

/**
 * The status page's files go out without the token (they hold no data) under a CSP with no
 * inline script; everything with data still needs it; {@code /events/recent} names a bad field.
 */
class StatusPageTest {

    static final HttpClient http = HttpClient.newHttpClient();
    static AdminServer admin;

    @BeforeAll
    static void start() {
        admin = new AdminServer(new InetSocketAddress("127.0.8.1", 0), Optional.of("page-token"), new Health(() -> true),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), null, null, null, new RecentEvents(5));
        admin.start();
    }

    @AfterAll
    static void stop() {
        admin.close();
    }

    @Test
    void thePageIsServedWithoutTheTokenUnderAStrictPolicy() throws Exception {
        for (String path : new String[] {"/", "/status.js", "/status.css"}) {
            HttpResponse<String> r = get(path, null);
            assertThat(r.statusCode()).as(path).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Security-Policy").orElseThrow())
                    .contains("script-src 'self'", "default-src 'none'").doesNotContain("unsafe-inline");
            assertThat(r.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        }
        assertThat(get("/", null).body()).contains("<script src=\"/status.js\" defer></script>").doesNotContain("onclick");
        assertThat(get("/status.js", null).body()).doesNotContain("innerHTML", "outerHTML", "insertAdjacentHTML", "eval(");
        assertThat(get("/status/auth", null).body()).isEqualTo("{\"token_required\":true}");
    }

    @Test
    void dataStillNeedsTheToken() throws Exception {
        for (String path : new String[] {"/metrics", "/events/recent?type=bounce", "/health/live"}) {
            assertThat(get(path, null).statusCode()).as(path).isEqualTo(401);
        }
        assertThat(get("/metrics", "page-token").statusCode()).isEqualTo(200);
    }

    @Test
    void recentEventsNameABadField() throws Exception {
        assertThat(get("/events/recent?type=bounce&limit=5", "page-token").body()).isEqualTo("[]");
        HttpResponse<String> badType = get("/events/recent?type=bouncy", "page-token");
        assertThat(badType.statusCode()).isEqualTo(400);
        assertThat(badType.body()).contains("type: unknown event type bouncy");
        HttpResponse<String> badLimit = get("/events/recent?type=bounce&limit=6", "page-token");
        assertThat(badLimit.statusCode()).isEqualTo(400);
        assertThat(badLimit.body()).contains("limit: '6' is not a number from 1 to 5");
    }

    static HttpResponse<String> get(String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.8.1:" + admin.port() + path));
        if (token != null) request.header("Authorization", "Bearer " + token);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
