package org.postloom.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.Relay;
import org.postloom.config.ConfigLoader;
import org.postloom.tls.KeyMaterial;

/**
 * DANE (RFC 7672) and MTA-STS (RFC 8461) end to end with real parts on 127.0.5.x: a test CA made
 * with openssl; NSD serving a zone signed with ldns-signzone (and an unsigned one) behind a
 * validating Unbound; an HTTPS policy host on port 443; MX hosts on port 25 with a good, a
 * wrong-name and an unrelated (self-signed) certificate, and one without STARTTLS. Every downgrade
 * ends deferred with 4.7.x and nothing reaches an unauthenticated host; the good cases deliver.
 */
class OutboundTlsIT {

    static final String GOOD = "127.0.5.10", WRONG = "127.0.5.11", UNRELATED = "127.0.5.12", CLEAR = "127.0.5.13";
    static final String POLICY_HOST = "127.0.5.20";

    @TempDir
    static Path dir;
    static TestCa ca;
    static SignedDns dns;
    static PolicyHost policyHost;
    static TlsPeers.TlsSink good, wrong, unrelated;
    static TlsPeers.ClearTextSink clear;
    static TlsPeers.DeliveryLog log;
    static Relay relay;

    @BeforeAll
    static void start() throws Exception {
        ca = new TestCa(dir.resolve("ca"));
        TestCa.Issued goodCert = ca.issue("good", "mx-ee.sec.test", "mx-ta.sec.test", "mx-bogus.sec.test",
                "mx-good.plain.test", "other.plain.test");
        TestCa.Issued wrongCert = ca.issue("wrong", "wrong.example");
        TestCa.Issued unrelatedCert = ca.selfSigned("unrelated", "mx-unrel.sec.test", "mx-unusable.sec.test",
                "mx-unrel.plain.test", "mx-insec.plain.test");
        TestCa.Issued policyCert = ca.issue("policy", "mta-sts.sts-good.plain.test", "mta-sts.sts-wrong.plain.test",
                "mta-sts.sts-unrel.plain.test", "mta-sts.sts-plain.plain.test", "mta-sts.sts-notlisted.plain.test",
                "mta-sts.sts-testing.plain.test", "mta-sts.sts-cached.plain.test");
        String goodSpki = ca.spkiSha256(goodCert.cert());
        String caHash = ca.certSha256(ca.caCert);
        dns = SignedDns.start(dir.resolve("dns"), "127.0.5.1", "127.0.5.2", "sec.test", """
                dane-ee MX 10 mx-ee
                mx-ee A %1$s
                _25._tcp.mx-ee TLSA 3 1 1 %3$s
                dane-ta MX 10 mx-ta
                mx-ta A %1$s
                _25._tcp.mx-ta TLSA 2 0 1 %4$s
                dane-ee-name MX 10 mx-wrong
                mx-wrong A %2$s
                _25._tcp.mx-wrong TLSA 3 1 1 %5$s
                dane-ta-wrong MX 10 mx-wrong2
                mx-wrong2 A %2$s
                _25._tcp.mx-wrong2 TLSA 2 0 1 %4$s
                dane-mismatch MX 10 mx-unrel
                mx-unrel A %6$s
                _25._tcp.mx-unrel TLSA 3 1 1 %3$s
                dane-plain MX 10 mx-plain
                mx-plain A %7$s
                _25._tcp.mx-plain TLSA 3 1 1 %3$s
                dane-bogus MX 10 mx-bogus
                mx-bogus A %1$s
                _25._tcp.mx-bogus TLSA 3 1 1 %3$s
                dane-unusable MX 10 mx-unusable
                mx-unusable A %6$s
                _25._tcp.mx-unusable TLSA 1 1 1 %3$s
                relay A 127.0.5.3
                """.formatted(GOOD, WRONG, goodSpki, caHash, ca.spkiSha256(wrongCert.cert()), UNRELATED, CLEAR),
                "plain.test", plainZone(goodSpki), "_25._tcp.mx-bogus");
        policyHost = new PolicyHost(POLICY_HOST, KeyMaterial.load(policyCert.chain(), policyCert.key()));
        policyHost.policies.put("mta-sts.sts-good.plain.test", policy("enforce", "mx-good.plain.test"));
        policyHost.policies.put("mta-sts.sts-wrong.plain.test", policy("enforce", "*.plain.test"));
        policyHost.policies.put("mta-sts.sts-unrel.plain.test", policy("enforce", "*.plain.test"));
        policyHost.policies.put("mta-sts.sts-plain.plain.test", policy("enforce", "*.plain.test"));
        policyHost.policies.put("mta-sts.sts-notlisted.plain.test", policy("enforce", "mx-good.plain.test"));
        policyHost.policies.put("mta-sts.sts-testing.plain.test", policy("testing", "*.plain.test"));
        policyHost.policies.put("mta-sts.sts-cached.plain.test", policy("enforce", "*.plain.test"));
        policyHost.start();
        good = TlsPeers.TlsSink.start(GOOD, "mx-good.test", KeyMaterial.load(goodCert.chain(), goodCert.key()));
        wrong = TlsPeers.TlsSink.start(WRONG, "wrong.example", KeyMaterial.load(wrongCert.chain(), wrongCert.key()));
        unrelated = TlsPeers.TlsSink.start(UNRELATED, "unrelated.test", KeyMaterial.load(unrelatedCert.chain(), unrelatedCert.key()));
        clear = TlsPeers.ClearTextSink.start(CLEAR, dir);
        log = new TlsPeers.DeliveryLog();
        relay = startRelay();
    }

    private static String plainZone(String goodSpki) {
        StringBuilder z = new StringBuilder("""
                dane-insecure MX 10 mx-insec
                mx-insec A %s
                _25._tcp.mx-insec TLSA 3 1 1 %s
                mx-good A %s
                other A %s
                mx-wrong A %s
                mx-unrel A %s
                mx-plain A %s
                """.formatted(UNRELATED, goodSpki, GOOD, GOOD, WRONG, UNRELATED, CLEAR));
        Map<String, String> mx = Map.of("sts-good", "mx-good", "sts-wrong", "mx-wrong", "sts-unrel", "mx-unrel",
                "sts-plain", "mx-plain", "sts-notlisted", "other", "sts-testing", "mx-unrel", "sts-cached", "mx-unrel");
        mx.forEach((domain, host) -> z.append(domain).append(" MX 10 ").append(host).append('\n')
                .append("_mta-sts.").append(domain).append(" TXT \"v=STSv1; id=20261201\"\n")
                .append("mta-sts.").append(domain).append(" A ").append(POLICY_HOST).append('\n'));
        return z.toString();
    }

    private static String policy(String mode, String mx) {
        return "version: STSv1\r\nmode: " + mode + "\r\nmx: " + mx + "\r\nmax_age: 86400\r\n";
    }

    static Relay startRelay() throws Exception {
        Map<String, String> p = new HashMap<>();
        p.put("postloom.hostname", "relay.sec.test");
        p.put("postloom.smtp.listen", "127.0.5.3:0");
        p.put("postloom.admin.listen", "127.0.5.3:0");
        p.put("postloom.spool.dir", dir.resolve("spool").toString());
        p.put("postloom.dns.servers", dns.resolver.getHostString() + ":53");
        p.put("postloom.delivery.port", "25");
        p.put("postloom.tls.trust-ca", ca.caCert.toString());
        return Relay.start(ConfigLoader.of(p));
    }

    @AfterAll
    static void stop() throws Exception {
        if (relay != null) relay.close();
        if (log != null) log.close();
        for (AutoCloseable c : new AutoCloseable[] {good, wrong, unrelated, clear, policyHost, dns}) {
            if (c != null) c.close();
        }
    }

    private static void send(String to, String subject) throws Exception {
        InetSocketAddress smtp = relay.smtpAddresses().getFirst();
        MessageSender.send(smtp.getHostString(), smtp.getPort(), "sender@relay.sec.test", List.of(to),
                "Subject: " + subject + "\r\n\r\nhello\r\n");
    }

    /** Delivered: the line names the policy and says the MX was authenticated (or not). */
    private static String delivered(String to, TlsPeers.TlsSink sink, String subject) throws Exception {
        send(to, subject);
        String line = log.await("delivered", to);
        assertThat(sink.got(subject)).as(line).isTrue();
        return line;
    }

    /** Deferred with 4.7.5 for a TLS policy reason, and the message never reached {@code sinks}. */
    private static String deferred(String to, String subject, TlsPeers.TlsSink... sinks) throws Exception {
        send(to, subject);
        String line = log.await("deferred", to);
        assertThat(line).contains("status=4.7.");
        for (TlsPeers.TlsSink s : sinks) assertThat(s.got(subject)).as(line).isFalse();
        return line;
    }

    @Test
    void daneEeMatchingTheLeafDelivers() throws Exception {
        assertThat(delivered("a@dane-ee.sec.test", good, "dane-ee")).contains("tls-policy=dane tls-auth=verified")
                .contains("host=mx-ee.sec.test[127.0.5.10]:25 tls=TLSv1.3/");
    }

    @Test
    void daneTaMatchingTheIssuerDelivers() throws Exception {
        assertThat(delivered("a@dane-ta.sec.test", good, "dane-ta")).contains("tls-policy=dane tls-auth=verified");
    }

    /** RFC 7672 3.1.1: DANE-EE ignores the certificate's names. */
    @Test
    void daneEeIgnoresTheNameInTheCertificate() throws Exception {
        assertThat(delivered("a@dane-ee-name.sec.test", wrong, "dane-ee-name")).contains("tls-policy=dane tls-auth=verified");
    }

    /** RFC 7672 3.2.2: under DANE-TA the certificate must name the MX host. */
    @Test
    void daneTaWithAWrongNameIsDeferred() throws Exception {
        assertThat(deferred("a@dane-ta-wrong.sec.test", "dane-ta-wrong", wrong))
                .contains("tls-policy=dane").contains("tls-failure=certificate-host-mismatch");
    }

    @Test
    void aCertificateNoTlsaRecordMatchesIsDeferred() throws Exception {
        assertThat(deferred("a@dane-mismatch.sec.test", "dane-mismatch", unrelated))
                .contains("tls-policy=dane").contains("tls-failure=validation-failure");
    }

    @Test
    void daneWithoutStartTlsSendsNothingInClearText() throws Exception {
        assertThat(deferred("a@dane-plain.sec.test", "dane-plain"))
                .contains("tls-policy=dane").contains("tls-failure=starttls-not-supported");
        assertThat(clear.transcript()).doesNotContainIgnoringCase("MAIL FROM").doesNotContain("dane-plain");
    }

    /** RFC 7672 2.2: a TLSA lookup that fails (bogus signature: SERVFAIL) means the host is not tried. */
    @Test
    void aBogusTlsaAnswerDefersWithoutConnecting() throws Exception {
        assertThat(deferred("a@dane-bogus.sec.test", "dane-bogus", good))
                .contains("tls-policy=dane").contains("tls-failure=dnssec-invalid");
    }

    /** RFC 7672 2.2, 3.1.3: only PKIX-EE records (unusable): TLS still mandatory, unauthenticated. */
    @Test
    void onlyUnusableTlsaRecordsMeanEncryptedButUnauthenticated() throws Exception {
        assertThat(delivered("a@dane-unusable.sec.test", unrelated, "dane-unusable"))
                .contains("tls-policy=dane tls-auth=unverified");
    }

    /** TLSA records in an unsigned zone are not DANE (RFC 7672 2.2): opportunistic TLS. */
    @Test
    void tlsaWithoutDnssecIsIgnored() throws Exception {
        assertThat(delivered("a@dane-insecure.plain.test", unrelated, "dane-insecure"))
                .contains("tls-policy=opportunistic tls-auth=unverified");
    }

    @Test
    void mtaStsEnforceWithAGoodCertificateDelivers() throws Exception {
        assertThat(delivered("a@sts-good.plain.test", good, "sts-good")).contains("tls-policy=mta-sts tls-auth=verified");
    }

    @Test
    void mtaStsEnforceWithAWrongNameIsDeferred() throws Exception {
        assertThat(deferred("a@sts-wrong.plain.test", "sts-wrong", wrong))
                .contains("tls-policy=mta-sts").contains("tls-failure=certificate-host-mismatch");
    }

    @Test
    void mtaStsEnforceWithAnUntrustedCertificateIsDeferred() throws Exception {
        assertThat(deferred("a@sts-unrel.plain.test", "sts-unrel", unrelated))
                .contains("tls-policy=mta-sts").contains("tls-failure=certificate-not-trusted");
    }

    @Test
    void mtaStsEnforceWithoutStartTlsSendsNothingInClearText() throws Exception {
        assertThat(deferred("a@sts-plain.plain.test", "sts-plain"))
                .contains("tls-policy=mta-sts").contains("tls-failure=starttls-not-supported");
        assertThat(clear.transcript()).doesNotContainIgnoringCase("MAIL FROM").doesNotContain("sts-plain");
    }

    /** RFC 8461 4.1: an MX host the policy does not list is not used, even with a good certificate. */
    @Test
    void mtaStsEnforceSkipsAnMxTheDomainDoesNotList() throws Exception {
        assertThat(deferred("a@sts-notlisted.plain.test", "sts-notlisted", good))
                .contains("tls-policy=mta-sts").contains("is not in the MTA-STS policy");
    }

    /** RFC 8461 5: testing mode reports the failure and delivers anyway. */
    @Test
    void mtaStsTestingDeliversAndNotesTheFailure() throws Exception {
        assertThat(delivered("a@sts-testing.plain.test", unrelated, "sts-testing"))
                .contains("tls-policy=mta-sts tls-auth=unverified").contains("tls-failure=certificate-not-trusted");
    }

    /** RFC 8461 5.1: a cached enforce policy holds across a restart while the policy host is down. */
    @Test
    void aCachedEnforcePolicySurvivesThePolicyHostGoingDown() throws Exception {
        deferred("a@sts-cached.plain.test", "sts-cached-1", unrelated);
        int fetches = policyHost.fetches.get();
        policyHost.stop();
        try {
            relay.close();
            relay = startRelay();
            assertThat(deferred("b@sts-cached.plain.test", "sts-cached-2", unrelated))
                    .contains("tls-policy=mta-sts").contains("tls-failure=certificate-not-trusted");
            assertThat(policyHost.fetches.get()).isEqualTo(fetches);
        } finally {
            policyHost.start();
        }
    }
}
