package org.postloom.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DANE table of {@link TlsWorld} with Postfix 3.7 (Debian) as the relay under test, at
 * {@code smtp_tls_security_level = dane} and {@code smtp_dns_support_level = dnssec}, trusting the
 * AD bit of the same Unbound: it must end every case as Postloom does ({@link OutboundTlsIT}),
 * which shows that the harness judges DANE and not Postloom's quirks.
 */
class PostfixDaneIT {

    @TempDir
    static Path dir;
    static TlsWorld world;
    static PostfixInstance postfix;

    @BeforeAll
    static void start() throws Exception {
        world = new TlsWorld(dir);
        Path resolv = dir.resolve("resolv.conf");
        // glibc 2.36 passes the AD bit on only with trust-ad (resolv.conf(5)).
        Files.writeString(resolv, "nameserver " + TlsWorld.RESOLVER + "\noptions edns0 trust-ad\n");
        TestCa.Issued own = world.ca.issue("postfix", "postfix.interop.test");
        postfix = PostfixInstance.start("127.0.5.4", 2525, own.cert(), own.key(), """
                smtp_dns_support_level = dnssec
                smtp_tls_security_level = dane
                smtp_tls_loglevel = 1
                smtp_host_lookup = dns
                """, resolv);
    }

    @AfterAll
    static void stop() throws Exception {
        if (postfix != null) postfix.close();
        if (world != null) world.close();
    }

    @Test
    void postfixEndsEveryDaneCaseAsRfc7672Says() throws Exception {
        for (TlsWorld.DaneCase c : TlsWorld.DANE_CASES) {
            String to = "table@" + c.domain();
            String subject = "postfix " + c.domain();
            MessageSender.send("127.0.5.4", 2525, "sender@relay.sec.test", List.of(to), "Subject: " + subject + "\r\n\r\nhello\r\n");
            var status = awaitStatus(to);
            assertThat(status.group(2)).as(c.why() + "\n" + postfix.log()).isEqualTo(c.delivers() ? "sent" : "deferred");
            if (c.delivers()) {
                // Postfix says "Verified" where Postloom says tls-auth=verified, "Untrusted" otherwise.
                boolean verified = postfix.log().contains("Verified TLS connection established to " + status.group(1) + "[");
                assertThat(verified).as(c.why()).isEqualTo(c.postloomLogs().contains("tls-auth=verified"));
            }
            assertThat(world.got(c.sink(), subject)).as(c.why()).isEqualTo(c.delivers());
            if (c.sink() == TlsWorld.Sink.CLEAR) assertThat(world.clear.transcript()).doesNotContainIgnoringCase("MAIL FROM");
        }
    }

    /** Postfix's verdict in its maillog: {@code to=<...>, relay=HOST[...] or none, status=sent|deferred|bounced}. */
    private static java.util.regex.MatchResult awaitStatus(String to) throws Exception {
        Pattern line = Pattern.compile("to=<" + Pattern.quote(to) + ">, relay=([^\\[,]+).* status=(\\w+)");
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            var m = line.matcher(postfix.log());
            if (m.find()) return m.toMatchResult();
            Thread.sleep(100);
        }
        return fail("Postfix logged no status for " + to + ":\n" + postfix.log());
    }
}
