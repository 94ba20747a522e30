package org.postloom.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The admin plane's bearer token: required when set, and required at all beyond loopback. */
class AdminTokenTest {

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void everyRequestNeedsTheTokenOnceOneIsSet() throws Exception {
        Health health = new Health(() -> true);
        AdminServer admin = new AdminServer(new InetSocketAddress("127.0.0.1", 0), Optional.of("s3cret-token"), health,
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), null, null, null, null);
        admin.start();
        try {
            assertThat(status(admin, null)).isEqualTo(401);
            assertThat(status(admin, "Bearer wrong-token")).isEqualTo(401);
            assertThat(status(admin, "s3cret-token")).as("without the Bearer scheme").isEqualTo(401);
            assertThat(status(admin, "Bearer s3cret-token")).isEqualTo(200);
        } finally {
            admin.close();
        }
    }

    @Test
    void beyondLoopbackItRefusesToStartWithoutAToken() {
        assertThatThrownBy(() -> new AdminServer(new InetSocketAddress("0.0.0.0", 0), Optional.empty(),
                new Health(() -> true), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), null, null, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("postloom.admin.token");
    }

    private int status(AdminServer admin, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.port() + "/health/live"));
        if (authorization != null) request.header("Authorization", authorization);
        return http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
