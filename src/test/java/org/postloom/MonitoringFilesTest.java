package org.postloom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.config.ConfigLoader;
import org.postloom.delivery.client.SmtpSink;

/**
 * The Grafana dashboard and the Prometheus alert rules in contrib/ against a running relay: every
 * metric they query is in its /metrics, with the label values they match on, and the rules pass
 * Prometheus's own checks and unit tests ({@code promtool} from Debian's package prometheus; there
 * is no Grafana here to load the dashboard).
 */
class MonitoringFilesTest {

    static final Path DASHBOARD = Path.of("contrib/grafana/postloom.json");
    static final Path ALERTS = Path.of("contrib/prometheus/postloom-alerts.yml");
    static final Path ALERT_TESTS = Path.of("contrib/prometheus/postloom-alerts.test.yml");
    static final Path PROMTOOL = Path.of("/usr/bin/promtool");
    /** A selector: a metric name and, if any, its label matchers. */
    static final Pattern SELECTOR = Pattern.compile("\\b(postloom_[a-z0-9_]+)(\\{([^}]*)})?");
    static final Pattern EQUALS = Pattern.compile("([a-z_]+)=\"([^\"]*)\"");

    @TempDir
    static Path work;
    static SmtpSink accepting, refusing;
    static Relay relay;

    @BeforeAll
    static void start() throws Exception {
        accepting = SmtpSink.start("127.0.8.20", Files.createDirectories(work.resolve("ok")));
        refusing = SmtpSink.start("127.0.8.21", Files.createDirectories(work.resolve("no")), "-f", "RCPT");
        Map<String, String> p = new HashMap<>();
        p.put("postloom.hostname", "relay.monitoring.test");
        p.put("postloom.smtp.listen", "127.0.8.1:0");
        p.put("postloom.admin.listen", "127.0.8.1:0");
        p.put("postloom.spool.dir", work.resolve("spool").toString());
        p.put("postloom.dns.servers", "127.0.0.1:1");
        p.put("postloom.events.file", work.resolve("events.jsonl").toString());
        p.put("postloom.routes.\"ok.test\"", hostPort(accepting));
        p.put("postloom.routes.\"no.test\"", hostPort(refusing));
        relay = Relay.start(ConfigLoader.of(p));
    }

    @AfterAll
    static void stop() {
        if (relay != null) relay.close();
        for (AutoCloseable c : new AutoCloseable[] {accepting, refusing}) {
            try {
                if (c != null) c.close();
            } catch (Exception ignored) {
                // the temp dir goes anyway
            }
        }
    }

    @Test
    void everyMetricTheDashboardAndTheAlertsQueryIsExposed() throws Exception {
        List<String> queries = new ArrayList<>(dashboardQueries());
        queries.addAll(alertQueries());
        assertThat(queries).hasSizeGreaterThan(20);
        Set<String> wanted = new TreeSet<>();
        queries.forEach(q -> wanted.addAll(selectors(q)));

        // Mail that is delivered, mail that bounces, a refused command and an MX lookup that fails,
        // so that the counters made on first use exist too.
        send("a@ok.test", "x@ok.test");
        send("a@ok.test", "y@no.test");
        send("a@ok.test", "z@nowhere.test");
        String metrics = awaitMetrics(wanted, Duration.ofSeconds(60));
        assertThat(wanted.stream().filter(s -> !exposes(metrics, s)).toList()).as("queried, but not in /metrics").isEmpty();
    }

    @Test
    void theAlertRulesPassPromtool() throws Exception {
        assertThat(promtool("check", "rules", ALERTS.toString())).contains("SUCCESS: 7 rules found");
        assertThat(promtool("test", "rules", ALERT_TESTS.toString())).contains("SUCCESS");
    }

    @Test
    void theDashboardHasThePagesPanelsAndLatencyHistograms() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        List<String> titles = new ArrayList<>();
        dashboard.get("panels").forEach(p -> titles.add(p.get("title").asText()));
        assertThat(titles).contains("Messages in / s", "Delivered / s", "Queued messages", "Oldest queued",
                "Spool on disk", "Spool disk", "Event backlog", "Sites suspended", "Delivery latency (arrival to next hop)",
                "Delivery latency distribution", "Spool fsync (group commit)");
        assertThat(String.join("\n", dashboardQueries())).contains("histogram_quantile(0.99");
    }

    static List<String> dashboardQueries() throws IOException {
        List<String> out = new ArrayList<>();
        new ObjectMapper().readTree(DASHBOARD.toFile()).get("panels").forEach(p -> {
            if (p.has("targets")) p.get("targets").forEach(t -> out.add(t.get("expr").asText()));
        });
        return out;
    }

    static List<String> alertQueries() throws IOException {
        return Files.readAllLines(ALERTS).stream().map(String::strip).filter(l -> l.startsWith("expr:"))
                .map(l -> l.substring(5).strip()).toList();
    }

    /** Each selector of a query as {@code name} or {@code name{label="value"}}, one per equality matcher. */
    static Set<String> selectors(String query) {
        Set<String> out = new TreeSet<>();
        Matcher m = SELECTOR.matcher(query);
        while (m.find()) {
            out.add(m.group(1));
            if (m.group(3) == null) continue;
            Matcher eq = EQUALS.matcher(m.group(3));
            while (eq.find()) out.add(m.group(1) + "{" + eq.group(1) + "=\"" + eq.group(2) + "\"}");
        }
        return out;
    }

    static boolean exposes(String metrics, String selector) {
        int brace = selector.indexOf('{');
        String name = brace < 0 ? selector : selector.substring(0, brace);
        String label = brace < 0 ? "" : selector.substring(brace + 1, selector.length() - 1);
        return metrics.lines().filter(l -> !l.startsWith("#"))
                .anyMatch(l -> (l.startsWith(name + " ") || l.startsWith(name + "{")) && l.substring(0, l.lastIndexOf(' ')).contains(label));
    }

    /** /metrics once every wanted selector is in it, or as it is when the time is up. */
    static String awaitMetrics(Set<String> wanted, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String metrics = scrape();
            if (wanted.stream().allMatch(s -> exposes(metrics, s)) || System.nanoTime() > deadline) return metrics;
            Thread.sleep(100);
        }
    }

    static String scrape() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.8.1:" + relay.adminPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    /** One message over SMTP, after a command refused out of order (503). */
    static void send(String from, String to) throws IOException {
        try (Socket s = new Socket(relay.smtpAddresses().getFirst().getAddress(), relay.smtpAddresses().getFirst().getPort())) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            assertThat(SmtpReplies.readUntil(s, "220 ")).contains("220 ");
            for (String[] step : new String[][] {{"EHLO client.test", "250 "}, {"RCPT TO:<" + to + ">", "503 "},
                    {"MAIL FROM:<" + from + ">", "250 "}, {"RCPT TO:<" + to + ">", "250 "}, {"DATA", "354 "},
                    {"Subject: metrics\r\n\r\nx\r\n.", "250 "}, {"QUIT", "221 "}}) {
                out.write((step[0] + "\r\n").getBytes(StandardCharsets.US_ASCII));
                assertThat(SmtpReplies.readUntil(s, step[1])).as(step[0]).contains(step[1]);
            }
        }
    }

    static String promtool(String... args) throws Exception {
        if (!Files.isExecutable(PROMTOOL)) fail(PROMTOOL + " is missing: apt-get install -y prometheus (for promtool)");
        List<String> command = new ArrayList<>(List.of(PROMTOOL.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) fail("promtool did not finish: " + command);
        assertThat(p.exitValue()).as(String.join(" ", command) + "\n" + output).isZero();
        return output;
    }

    static String hostPort(SmtpSink sink) {
        return sink.address().getHostString() + ":" + sink.address().getPort();
    }
}
