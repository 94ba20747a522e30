package org.postloom.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.Relay;
import org.postloom.config.ConfigLoader;

/**
 * What the shaping tests share: a relay in this JVM whose MX answers come from a real DNS server
 * (dnsmasq, started by the test class), instrumented sinks ({@link CapturingSink}) on loopback
 * addresses that record per connection the peer address, the EHLO name and each MAIL time, one
 * SMTP session that hands the relay its messages, the admin API, and the delivery log's lines.
 */
abstract class ShapingFixture {

    /** Held here: java.util.logging keeps loggers weakly, and a collected one loses its handler. */
    private static final Logger DELIVERY_LOG = Logger.getLogger("org.postloom.delivery");

    @TempDir
    Path spool;
    private final List<CapturingSink> sinks = new ArrayList<>();
    final Map<String, CapturingSink> sinkAt = new HashMap<>();
    Relay relay;
    final List<String> logged = new CopyOnWriteArrayList<>();
    private final Handler logCapture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            logged.add(r.getMessage());
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    /** The DNS server's port on 127.0.0.1 that the relay asks. */
    abstract int dnsPort();

    @AfterEach
    void stop() throws IOException {
        DELIVERY_LOG.removeHandler(logCapture);
        if (relay != null) relay.close();
        for (CapturingSink s : sinks) s.close();
    }

    /** Sinks on every address, one port (the relay's delivery port is one for all MX hosts); returns the port. */
    int sinks(CapturingSink.Policy policy, String... addresses) throws IOException {
        int port = 0;
        for (String address : addresses) {
            CapturingSink sink = CapturingSink.start(address, port, policy);
            port = sink.port();
            sinks.add(sink);
            sinkAt.put(address, sink);
        }
        return port;
    }

    void relay(int port, Map<String, String> shaping) throws IOException {
        Map<String, String> p = new HashMap<>(shaping);
        p.put("postloom.hostname", "relay.shaping.test");
        p.put("postloom.smtp.listen", "127.0.0.1:0");
        p.putIfAbsent("postloom.admin.listen", "127.0.0.1:0");
        p.put("postloom.spool.dir", spool.toString());
        p.put("postloom.dns.servers", "127.0.0.1:" + dnsPort());
        p.put("postloom.delivery.port", String.valueOf(port));
        DELIVERY_LOG.addHandler(logCapture);
        relay = Relay.start(ConfigLoader.of(p));
    }

    /** A sink policy that answers MAIL after {@code millis}, so connections overlap. */
    static CapturingSink.Policy slowMail(long millis) {
        return new CapturingSink.Policy() {
            @Override
            public String mail(int transaction) {
                pause(millis);
                return "250 2.1.0 Ok";
            }
        };
    }

    /** A sink policy that answers the first MAIL with {@code reply}, and takes the rest. */
    static CapturingSink.Policy firstMailGets(String reply) {
        return new CapturingSink.Policy() {
            @Override
            public String mail(int transaction) {
                return transaction == 1 ? reply : "250 2.1.0 Ok";
            }
        };
    }

    /** Queues {@code n} messages for the domain while its site is held, so they are all ready at once. */
    void submitHeld(int n, String domain) throws IOException, InterruptedException {
        admin("POST", "/sites/" + domain + "/suspend?for=PT5M");
        submit(recipients(n, domain));
        admin("POST", "/sites/" + domain + "/resume");
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis); // the sink standing for a slow remote server, not a wait in the test
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Hands the relay one message per recipient, over one SMTP session. */
    void submit(List<String> recipients) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(relay.smtpAddresses().getFirst(), 5000);
            s.setSoTimeout(30_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
            OutputStream out = s.getOutputStream();
            MessageSender.expect(in, "220");
            out.write("EHLO sender.test\r\n".getBytes(StandardCharsets.US_ASCII));
            MessageSender.expect(in, "250");
            for (String rcpt : recipients) {
                out.write(("MAIL FROM:<app@sender.test>\r\nRCPT TO:<" + rcpt + ">\r\nDATA\r\n").getBytes(StandardCharsets.US_ASCII));
                MessageSender.expect(in, "250");
                MessageSender.expect(in, "250");
                MessageSender.expect(in, "354");
                out.write(("Subject: shaping\r\n\r\nhello " + rcpt + "\r\n.\r\n").getBytes(StandardCharsets.US_ASCII));
                MessageSender.expect(in, "250");
            }
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** {@code n} recipients in each of the domains, domain after domain. */
    static List<String> recipients(int n, String... domains) {
        List<String> out = new ArrayList<>();
        for (String domain : domains) for (int i = 0; i < n; i++) out.add("r" + i + "@" + domain);
        return out;
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(20);
        }
    }

    JsonNode admin(String method, String path) throws IOException, InterruptedException {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + relay.adminPort() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isEqualTo(200);
        return new ObjectMapper().readTree(r.body());
    }

    JsonNode site(String name) throws IOException, InterruptedException {
        for (JsonNode s : admin("GET", "/sites")) if (s.get("site").asText().equals(name)) return s;
        throw new AssertionError("no site " + name + " in " + admin("GET", "/sites"));
    }

    static Predicate<CapturingSink.Connection> toDomain(String domain) {
        return c -> c.recipients.stream().anyMatch(r -> r.endsWith("@" + domain));
    }
}
