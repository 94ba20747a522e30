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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.postloom.Relay;
import org.postloom.config.ConfigLoader;
import org.postloom.delivery.client.SmtpSink;

/**
 * The status page in a real headless Chromium (Debian's, driven over WebDriver) against a running
 * relay with mail flowing to Postfix's smtp-sink: the login keeps the token in the tab, the page
 * refreshes without a console error, its numbers are those of /metrics, its suspend and resume
 * buttons hold and release a site, and a hostile reply and subject are shown as text. Screenshots
 * go to target/status-page.
 */
class StatusPageIT {

    static final String RELAY = "127.0.8.1";
    static final String LOAD_SINK = "127.0.8.2";
    static final String HOSTILE_SINK = "127.0.8.3";
    static final String TOKEN = "page-test-token";
    static final String HOSTILE_REPLY = "550 5.7.1 <script>window.pwned=1</script><img src=x onerror=\"window.pwned=2\"> rejected";
    static final String HOSTILE_SUBJECT = "<script>window.pwned=3</script> & <b>bold</b>";
    static final Path SHOTS = Path.of("target", "status-page");

    @TempDir
    static Path work;
    static SmtpSink load, hostile;
    static Relay relay;
    static HeadlessChromium browser;
    static String base;
    static final HttpClient http = HttpClient.newHttpClient();
    static final ObjectMapper json = new ObjectMapper();

    @BeforeAll
    static void start() throws Exception {
        load = SmtpSink.start(LOAD_SINK, Files.createDirectories(work.resolve("load")));
        hostile = SmtpSink.start(HOSTILE_SINK, Files.createDirectories(work.resolve("hostile")), "-f", "RCPT", "-B", HOSTILE_REPLY);
        Map<String, String> p = new HashMap<>();
        p.put("postloom.hostname", "relay.status.test");
        p.put("postloom.smtp.listen", RELAY + ":0");
        p.put("postloom.admin.listen", RELAY + ":0");
        p.put("postloom.admin.token", TOKEN);
        p.put("postloom.spool.dir", work.resolve("spool").toString());
        p.put("postloom.dns.servers", "127.0.0.1:1");
        p.put("postloom.events.file", work.resolve("events.jsonl").toString());
        p.put("postloom.events.headers", "Subject");
        p.put("postloom.routes.\"load.test\"", hostPort(load));
        p.put("postloom.routes.\"hostile.test\"", hostPort(hostile));
        relay = Relay.start(ConfigLoader.of(p));
        base = "http://" + RELAY + ":" + relay.adminPort();
        Files.createDirectories(SHOTS);
        browser = HeadlessChromium.start(work.resolve("chromium-profile"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) browser.close();
        if (relay != null) relay.close();
        for (AutoCloseable c : new AutoCloseable[] {hostile, load}) if (c != null) c.close();
    }

    @Test
    void theOperatorWatchesSuspendsAndResumesUnderLoad() throws Exception {
        browser.open(base + "/");
        browser.await("the login form", () -> browser.find("login").isDisplayed());
        assertThat(browser.find("status").isDisplayed()).isFalse();
        browser.find("token").sendKeys(TOKEN);
        browser.find("login").submit();
        browser.await("a first refresh", () -> browser.find("updated").getAttribute("data-refreshed") != null);
        assertThat(browser.script("return sessionStorage.getItem('postloom.admin.token')")).isEqualTo(TOKEN);
        assertThat(browser.script("return localStorage.length")).isEqualTo(0L);

        AtomicBoolean sending = new AtomicBoolean(true);
        AtomicInteger sent = new AtomicInteger();
        Thread loadThread = Thread.ofVirtual().start(() -> sendUntilStopped(sending, sent));
        try {
            browser.await("mail coming in", () -> number("rate-in") > 0 && number("rate-out") > 0);
            hostileMail();
            browser.await("the hostile bounce listed", () -> !browser.all("#bounces tbody td.reply").isEmpty());
            browser.screenshot(SHOTS.resolve("under-load.png"));
        } finally {
            sending.set(false);
            loadThread.join(Duration.ofSeconds(30));
        }
        await("all sent mail delivered", () -> load.messages().size() >= sent.get());

        hostileTextStaysText();
        numbersMatchMetrics();
        suspendAndResumeFromThePage();
        assertThat(browser.severeConsoleEntries()).as("console errors").isEmpty();
    }

    private static void hostileMail() throws Exception {
        MessageSender.send(RELAY, smtpPort(), "app@load.test", List.of("victim@hostile.test"),
                "Subject: " + HOSTILE_SUBJECT + "\r\nFrom: app@load.test\r\n\r\nhello\r\n");
    }

    private static void hostileTextStaysText() {
        List<WebElement> replies = browser.all("#bounces tbody td.reply");
        assertThat(replies).extracting(WebElement::getText).contains(HOSTILE_REPLY);
        assertThat(browser.siteRow(hostPort(hostile)).findElement(By.className("last-error")).getText()).isEqualTo(HOSTILE_REPLY);
        assertThat(browser.all("#bounces tbody td.subject")).extracting(WebElement::getText).contains(HOSTILE_SUBJECT);
        assertThat(browser.all("#bounces tbody td.class")).extracting(WebElement::getText).allMatch(c -> !c.isBlank());
        assertThat(browser.all("#bounces script, #bounces img, #bounces b, #sites script, #sites img")).isEmpty();
        assertThat(browser.script("return window.pwned === undefined")).isEqualTo(true);
        assertThat(browser.script("return document.scripts.length")).isEqualTo(1L);
    }

    /** With no mail moving, every number the page shows is the one /metrics gives. */
    private static void numbersMatchMetrics() throws Exception {
        browser.await("rates back to zero", () -> number("rate-in") == 0 && number("rate-out") == 0);
        Map<String, Double> metrics = Metrics.scrape(get("/metrics"));
        long refreshed = Long.parseLong(browser.find("updated").getAttribute("data-refreshed"));
        browser.await("a refresh after the scrape",
                () -> Long.parseLong(browser.find("updated").getAttribute("data-refreshed")) > refreshed);
        assertThat(number("queue-depth")).isEqualTo(metrics.get("postloom_queue_messages"));
        assertThat(number("smtp-open")).isEqualTo(metrics.get("postloom_smtp_connections_open"));
        assertThat(number("event-backlog")).isEqualTo(metrics.get("postloom_events_backlog{sink=\"file\"}"));
        assertThat(number("queue-oldest")).isCloseTo(metrics.get("postloom_queue_oldest_seconds"),
                org.assertj.core.data.Offset.offset(3.0));
    }

    private void suspendAndResumeFromThePage() throws Exception {
        String site = hostPort(load);
        WebElement row = browser.await("the load site's row", () -> browser.siteRow(site));
        row.findElement(By.xpath(".//button[text()='Suspend']")).click();
        browser.await("shown suspended", () -> "suspended".equals(browser.siteRow(site).getAttribute("class")));
        assertThat(sitePath(site).get("suspended_until").isNull()).isFalse();

        int before = load.messages().size();
        String heldId = null;
        for (int i = 0; i < 3; i++) {
            heldId = MessageSender.send(RELAY, smtpPort(), "app@load.test", List.of("held" + i + "@load.test"), "Subject: held\r\n\r\nheld\r\n");
        }
        browser.await("held mail shown ready", () -> browser.siteRow(site).findElement(By.className("ready")).getText().equals("3"));
        browser.find("queue-id").sendKeys(heldId);
        browser.find("lookup").submit();
        browser.await("the held message looked up", () -> browser.all("#message-recipients td.state").stream()
                .anyMatch(td -> td.getText().equals("pending")));
        assertThat(browser.find("message-fields").getText()).contains(heldId, "app@load.test");
        browser.screenshot(SHOTS.resolve("suspended-site.png"));
        assertThat(load.messages()).hasSize(before);

        browser.siteRow(site).findElement(By.xpath(".//button[text()='Resume']")).click();
        await("held mail delivered after resume", () -> load.messages().size() == before + 3);
        assertThat(sitePath(site).get("suspended_until").isNull()).isTrue();
        browser.await("shown resumed", () -> browser.siteRow(site).getAttribute("class").isEmpty());
    }

    private static void sendUntilStopped(AtomicBoolean sending, AtomicInteger sent) {
        for (int i = 0; sending.get() && i < 2000; i++) {
            try {
                MessageSender.send(RELAY, smtpPort(), "app@load.test", List.of("user" + i + "@load.test"), "Subject: load " + i + "\r\n\r\nx\r\n");
                sent.incrementAndGet();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static JsonNode sitePath(String site) throws Exception {
        for (JsonNode s : json.readTree(get("/sites"))) if (s.get("site").asText().equals(site)) return s.get("paths").get(0);
        throw new AssertionError("no site " + site + " in /sites");
    }

    private static double number(String id) {
        String value = browser.find(id).getAttribute("data-value");
        return value == null ? -1 : Double.parseDouble(value);
    }

    private static int smtpPort() {
        return relay.smtpAddresses().getFirst().getPort();
    }

    private static String hostPort(SmtpSink sink) {
        return sink.address().getHostString() + ":" + sink.address().getPort();
    }

    static String get(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path).isEqualTo(200);
        return r.body();
    }

    interface Check {
        boolean holds() throws Exception;
    }

    static void await(String what, Check check) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!check.holds()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for: " + what);
            Thread.sleep(50);
        }
    }
}
