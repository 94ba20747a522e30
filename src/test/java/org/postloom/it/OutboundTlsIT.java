package org.postloom.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.Relay;
import org.postloom.config.ConfigLoader;

/**
 * DANE (RFC 7672) and MTA-STS (RFC 8461) end to end with real parts on 127.0.5.x: a test CA made
 * with openssl; NSD serving a zone signed with ldns-signzone (and an unsigned one) behind a
 * validating Unbound; an HTTPS policy host on port 443; MX hosts on port 25 with a good, a
 * wrong-name and an unrelated (self-signed) certificate, and one without STARTTLS. Every downgrade
 * ends deferred with 4.7.x and nothing reaches an unauthenticated host; the good cases deliver.
 */
class OutboundTlsIT {

    @TempDir
    static Path dir;
    static TlsWorld world;
    static TlsPeers.DeliveryLog log;
    static Relay relay;

    @BeforeAll
    static void start() throws Exception {
        world = new TlsWorld(dir);
        log = new TlsPeers.DeliveryLog();
        relay = startRelay();
    }

    static Relay startRelay() throws Exception {
        Map<String, String> p = new HashMap<>();
        p.put("postloom.hostname", "relay.sec.test");
        p.put("postloom.smtp.listen", "127.0.5.3:0");
        p.put("postloom.admin.listen", "127.0.5.3:0");
        p.put("postloom.spool.dir", dir.resolve("spool").toString());
        p.put("postloom.dns.servers", TlsWorld.RESOLVER + ":53");
        p.put("postloom.delivery.port", "25");
        p.put("postloom.tls.trust-ca", world.ca.caCert.toString());
        p.put("postloom.tls-rpt.enabled", "true");
        p.put("postloom.tls-rpt.interval", "PT2S");
        p.put("postloom.tls-rpt.organization", "Postloom Test");
        return Relay.start(ConfigLoader.of(p));
    }

    @AfterAll
    static void stop() throws Exception {
        if (relay != null) relay.close();
        if (log != null) log.close();
        if (world != null) world.close();
    }

    private static void send(String to, String subject) throws Exception {
        InetSocketAddress smtp = relay.smtpAddresses().getFirst();
        MessageSender.send(smtp.getHostString(), smtp.getPort(), "sender@relay.sec.test", List.of(to),
                "Subject: " + subject + "\r\n\r\nhello\r\n");
    }

    /** Delivered: the line names the policy and says the MX was authenticated (or not). */
    private static String delivered(String to, TlsWorld.Sink sink, String subject) throws Exception {
        send(to, subject);
        String line = log.await("delivered", to);
        assertThat(world.got(sink, subject)).as(line).isTrue();
        return line;
    }

    /** Deferred with 4.7.x for a TLS policy reason, and the message never reached {@code sink}. */
    private static String deferred(String to, String subject, TlsWorld.Sink sink) throws Exception {
        send(to, subject);
        String line = log.await("deferred", to);
        assertThat(line).contains("status=4.7.");
        assertThat(world.got(sink, subject)).as(line).isFalse();
        return line;
    }

    /** The table Postfix is judged by too ({@code PostfixDaneIT}). */
    @Test
    void everyDaneCaseEndsAsRfc7672Says() throws Exception {
        for (TlsWorld.DaneCase c : TlsWorld.DANE_CASES) {
            String to = "table@" + c.domain();
            String line = c.delivers() ? delivered(to, c.sink(), "table " + c.domain()) : deferred(to, "table " + c.domain(), c.sink());
            assertThat(line).as(c.why()).contains(c.postloomLogs());
            if (c.sink() == TlsWorld.Sink.CLEAR) assertThat(world.clear.transcript()).doesNotContainIgnoringCase("MAIL FROM");
        }
    }

    @Test
    void mtaStsEnforceWithAGoodCertificateDelivers() throws Exception {
        assertThat(delivered("a@sts-good.plain.test", TlsWorld.Sink.GOOD, "sts-good")).contains("tls-policy=mta-sts tls-auth=verified");
    }

    @Test
    void mtaStsEnforceWithAWrongNameIsDeferred() throws Exception {
        assertThat(deferred("a@sts-wrong.plain.test", "sts-wrong", TlsWorld.Sink.WRONG))
                .contains("tls-policy=mta-sts").contains("tls-failure=certificate-host-mismatch");
    }

    @Test
    void mtaStsEnforceWithAnUntrustedCertificateIsDeferred() throws Exception {
        assertThat(deferred("a@sts-unrel.plain.test", "sts-unrel", TlsWorld.Sink.UNRELATED))
                .contains("tls-policy=mta-sts").contains("tls-failure=certificate-not-trusted");
    }

    @Test
    void mtaStsEnforceWithoutStartTlsSendsNothingInClearText() throws Exception {
        assertThat(deferred("a@sts-plain.plain.test", "sts-plain", TlsWorld.Sink.CLEAR))
                .contains("tls-policy=mta-sts").contains("tls-failure=starttls-not-supported");
        assertThat(world.clear.transcript()).doesNotContainIgnoringCase("MAIL FROM").doesNotContain("sts-plain");
    }

    /** RFC 8461 4.1: an MX host the policy does not list is not used, even with a good certificate. */
    @Test
    void mtaStsEnforceSkipsAnMxTheDomainDoesNotList() throws Exception {
        assertThat(deferred("a@sts-notlisted.plain.test", "sts-notlisted", TlsWorld.Sink.GOOD))
                .contains("tls-policy=mta-sts").contains("is not in the MTA-STS policy");
    }

    /** RFC 8461 5: testing mode reports the failure and delivers anyway. */
    @Test
    void mtaStsTestingDeliversAndNotesTheFailure() throws Exception {
        assertThat(delivered("a@sts-testing.plain.test", TlsWorld.Sink.UNRELATED, "sts-testing"))
                .contains("tls-policy=mta-sts tls-auth=unverified").contains("tls-failure=certificate-not-trusted");
    }

    /** RFC 8461 5.1: a cached enforce policy holds across a restart while the policy host is down. */
    @Test
    void aCachedEnforcePolicySurvivesThePolicyHostGoingDown() throws Exception {
        deferred("a@sts-cached.plain.test", "sts-cached-1", TlsWorld.Sink.UNRELATED);
        int fetches = world.policyHost.fetches.get();
        world.policyHost.stop();
        try {
            relay.close();
            relay = startRelay();
            assertThat(deferred("b@sts-cached.plain.test", "sts-cached-2", TlsWorld.Sink.UNRELATED))
                    .contains("tls-policy=mta-sts").contains("tls-failure=certificate-not-trusted");
            assertThat(world.policyHost.fetches.get()).isEqualTo(fetches);
        } finally {
            world.policyHost.start();
        }
    }
    /**
     * RFC 8460: after the (2 s) period, the reports of rpt-good and rpt-unrel reach the https
     * rua (POST, application/tlsrpt+gzip) and the mailto rua (a multipart/report mail delivered
     * through the relay itself, here to the good MX), each with the fields of RFC 8460 4.4.
     */
    @Test
    void tlsRptReportsReachTheHttpsAndMailtoAddresses() throws Exception {
        send("rpt@rpt-good.plain.test", "rpt-good");
        send("rpt@rpt-unrel.plain.test", "rpt-unrel");
        log.await("delivered", "rpt@rpt-good.plain.test");
        log.await("deferred", "rpt@rpt-unrel.plain.test");
        JsonNode good = TlsReportCheck.awaitPosted(world.policyHost, "rpt-good.plain.test");
        JsonNode unrel = TlsReportCheck.awaitPosted(world.policyHost, "rpt-unrel.plain.test");
        TlsReportCheck.validate(good, "Postloom Test");
        TlsReportCheck.validate(unrel, "Postloom Test");
        JsonNode goodPolicy = good.get("policies").get(0);
        assertThat(goodPolicy.at("/policy/policy-type").asText()).isEqualTo("sts");
        assertThat(goodPolicy.at("/policy/policy-string").toString()).contains("mode: enforce");
        assertThat(goodPolicy.at("/policy/mx-host/0").asText()).isEqualTo("mx-good.plain.test");
        assertThat(goodPolicy.at("/summary/total-successful-session-count").asLong()).isPositive();
        JsonNode unrelPolicy = unrel.get("policies").get(0);
        assertThat(unrelPolicy.at("/summary/total-failure-session-count").asLong()).isPositive();
        assertThat(unrelPolicy.at("/failure-details/0/result-type").asText()).isEqualTo("certificate-not-trusted");
        assertThat(unrelPolicy.at("/failure-details/0/receiving-mx-hostname").asText()).isEqualTo("mx-unrel.plain.test");
        JsonNode mailed = TlsReportCheck.awaitMailed(world.good.store(), "rpt-unrel.plain.test");
        TlsReportCheck.validate(mailed, "Postloom Test");
        assertThat(mailed.at("/policies/0/failure-details/0/result-type").asText()).isEqualTo("certificate-not-trusted");
    }
}
