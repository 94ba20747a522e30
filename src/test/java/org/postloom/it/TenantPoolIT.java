package org.postloom.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postloom.dns.DnsmasqServer;

/**
 * A tenant's mail leaves from its own pool ({@code postloom.tenants."<name>".pool}, CONTRACT.md 4):
 * what it injects over HTTP and what its SMTP AUTH user sends goes from the tenant pool's source,
 * with that source's EHLO name, while other mail takes the default pool. The sink records the
 * peer address and the EHLO name of every connection.
 */
class TenantPoolIT extends ShapingFixture {

    private static final String MX = "127.0.8.20", SHARED_IP = "127.0.8.1", ACME_IP = "127.0.8.2";
    private static DnsmasqServer dns;

    @BeforeAll
    static void startDns() throws IOException {
        dns = DnsmasqServer.start(60, "--mx-host=dest.test,mx.dest.test,10", "--host-record=mx.dest.test," + MX);
    }

    @AfterAll
    static void stopDns() throws IOException {
        if (dns != null) dns.close();
    }

    @Override
    int dnsPort() {
        return dns.port();
    }

    private static String message(String recipient) {
        return "{\"envelope_sender\": \"app@acme.test\", \"recipients\": [{\"email\": \"" + recipient + "\"}],"
                + " \"content\": \"From: app@acme.test\\r\\nSubject: pool\\r\\n\\r\\nhello\\r\\n\"}";
    }

    @Test
    void aTenantsHttpAndSmtpAuthMailLeavesFromItsPoolOtherMailFromTheDefault() throws Exception {
        Path users = spool.resolve("users");
        SwaksAuthIT.passwd(users, "app", "correct horse");
        relay(sinks(CapturingSink.ACCEPT_ALL, MX), Map.ofEntries(
                Map.entry("postloom.admin.token", "admin-token"),
                Map.entry("postloom.auth.users-file", users.toString()),
                Map.entry("postloom.egress.sources.\"shared\".address", SHARED_IP),
                Map.entry("postloom.egress.sources.\"shared\".ehlo", "shared.pool.test"),
                Map.entry("postloom.egress.sources.\"acme1\".address", ACME_IP),
                Map.entry("postloom.egress.sources.\"acme1\".ehlo", "acme.pool.test"),
                Map.entry("postloom.egress.pools.\"main\"", "shared"),
                Map.entry("postloom.egress.pools.\"acme-ips\"", "acme1"),
                Map.entry("postloom.egress.default-pool", "main"),
                Map.entry("postloom.tenants.acme.token", "acme-token"),
                Map.entry("postloom.tenants.acme.pool", "acme-ips"),
                Map.entry("postloom.tenants.acme.smtp-users", "app")));
        InjectClient http = new InjectClient("127.0.0.1", relay.adminPort());
        assertThat(http.post(message("tenant-http@dest.test"), "Authorization", "Bearer acme-token").status()).isEqualTo(200);
        assertThat(http.post(message("admin-http@dest.test"), "Authorization", "Bearer admin-token").status()).isEqualTo(200);
        submit(List.of("plain-smtp@dest.test"));
        var swaks = ExternalTool.require("swaks", "swaks").run(Duration.ofSeconds(60), "--server",
                "127.0.0.1:" + relay.smtpAddresses().getFirst().getPort(), "--from", "app@acme.test", "--to", "tenant-smtp@dest.test",
                "--tls", "--auth", "PLAIN", "--auth-user", "app", "--auth-password", "correct horse");
        assertThat(swaks.exitCode()).as(swaks.output()).isZero();

        CapturingSink sink = sinkAt.get(MX);
        await("four delivered", Duration.ofSeconds(60), () -> sink.accepted.size() == 4);
        assertThat(leftFrom(sink, "tenant-http@dest.test")).isEqualTo(ACME_IP + " acme.pool.test");
        assertThat(leftFrom(sink, "tenant-smtp@dest.test")).isEqualTo(ACME_IP + " acme.pool.test");
        assertThat(leftFrom(sink, "admin-http@dest.test")).as("tenant default: the default pool").isEqualTo(SHARED_IP + " shared.pool.test");
        assertThat(leftFrom(sink, "plain-smtp@dest.test")).isEqualTo(SHARED_IP + " shared.pool.test");
    }

    /** The peer address and EHLO name of the connection that carried the recipient. */
    private static String leftFrom(CapturingSink sink, String recipient) {
        Predicate<CapturingSink.Connection> carried = c -> c.recipients.contains(recipient);
        CapturingSink.Connection c = sink.connectionLog.stream().filter(carried).findFirst()
                .orElseThrow(() -> new AssertionError("no connection carried " + recipient));
        return c.peer + " " + c.ehlo;
    }
}
