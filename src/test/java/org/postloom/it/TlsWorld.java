package org.postloom.it;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.postloom.tls.KeyMaterial;

/**
 * The world outbound TLS tests deliver into, on 127.0.5.x: a test CA (openssl); NSD with the
 * DNSSEC-signed zone {@code sec.test} (DANE cases) and the unsigned {@code plain.test} (MTA-STS
 * cases) behind a validating Unbound at 127.0.5.2:53; an HTTPS policy host at 127.0.5.20:443; MX
 * hosts on port 25 with a good (.10), a wrong-name (.11) and a self-signed (.12) certificate, and
 * one without STARTTLS (.13). The same world judges Postloom and Postfix.
 */
final class TlsWorld implements AutoCloseable {

    static final String AUTHORITY = "127.0.5.1", RESOLVER = "127.0.5.2";
    static final String GOOD = "127.0.5.10", WRONG = "127.0.5.11", UNRELATED = "127.0.5.12", CLEAR = "127.0.5.13";
    static final String POLICY_HOST = "127.0.5.20";

    /** Which MX a case's mail may reach. */
    enum Sink { GOOD, WRONG, UNRELATED, CLEAR }

    /**
     * One DANE case: mail to {@code domain} goes to its MX on {@code sink} when {@code delivers},
     * else it is deferred and the sink never gets it.
     */
    record DaneCase(String domain, Sink sink, boolean delivers, String postloomLogs, String why) {}

    /** RFC 7672 in one table; Postloom's and Postfix's outcomes must both match it. */
    static final List<DaneCase> DANE_CASES = List.of(
            new DaneCase("dane-ee.sec.test", Sink.GOOD, true, "tls-policy=dane tls-auth=verified", "DANE-EE(3) matches the leaf's key"),
            new DaneCase("dane-ta.sec.test", Sink.GOOD, true, "tls-policy=dane tls-auth=verified", "DANE-TA(2) matches the CA the server sends"),
            new DaneCase("dane-ee-name.sec.test", Sink.WRONG, true, "tls-policy=dane tls-auth=verified", "DANE-EE ignores names (3.1.1)"),
            new DaneCase("dane-ta-wrong.sec.test", Sink.WRONG, false, "tls-failure=certificate-host-mismatch", "DANE-TA needs the MX name (3.2.2)"),
            new DaneCase("dane-mismatch.sec.test", Sink.UNRELATED, false, "tls-failure=validation-failure", "no TLSA record matches"),
            new DaneCase("dane-plain.sec.test", Sink.CLEAR, false, "tls-failure=starttls-not-supported", "no STARTTLS under DANE"),
            new DaneCase("dane-bogus.sec.test", Sink.GOOD, false, "tls-failure=dnssec-invalid", "bogus TLSA signature: SERVFAIL, host not tried (2.2)"),
            new DaneCase("dane-unusable.sec.test", Sink.UNRELATED, true, "tls-policy=dane tls-auth=unverified",
                    "only PKIX-EE(1) records: TLS mandatory, unauthenticated (2.2, 3.1.3)"),
            new DaneCase("dane-insecure.plain.test", Sink.UNRELATED, true, "tls-policy=opportunistic",
                    "TLSA in an unsigned zone is not DANE (2.2)"));

    final TestCa ca;
    final SignedDns dns;
    final PolicyHost policyHost;
    final TlsPeers.TlsSink good, wrong, unrelated;
    final TlsPeers.ClearTextSink clear;

    TlsWorld(Path dir) throws Exception {
        ca = new TestCa(dir.resolve("ca"));
        TestCa.Issued goodCert = ca.issue("good", "mx-ee.sec.test", "mx-ta.sec.test", "mx-bogus.sec.test",
                "mx-good.plain.test", "other.plain.test");
        TestCa.Issued wrongCert = ca.issue("wrong", "wrong.example");
        TestCa.Issued unrelatedCert = ca.selfSigned("unrelated", "mx-unrel.sec.test", "mx-unusable.sec.test",
                "mx-unrel.plain.test", "mx-insec.plain.test");
        TestCa.Issued policyCert = ca.issue("policy", STS_DOMAINS.keySet().stream().map(d -> "mta-sts." + d + ".plain.test")
                .toArray(String[]::new));
        String goodSpki = ca.spkiSha256(goodCert.cert());
        dns = SignedDns.start(dir.resolve("dns"), AUTHORITY, RESOLVER, "sec.test",
                signedZone(goodSpki, ca.certSha256(ca.caCert), ca.spkiSha256(wrongCert.cert())),
                "plain.test", plainZone(goodSpki), "_25._tcp.mx-bogus");
        policyHost = new PolicyHost(POLICY_HOST, KeyMaterial.load(policyCert.chain(), policyCert.key()));
        STS_DOMAINS.forEach((domain, mx) -> policyHost.policies.put("mta-sts." + domain + ".plain.test",
                policy(domain.equals("sts-testing") ? "testing" : "enforce", Set.of("sts-good", "sts-notlisted", "rpt-good").contains(domain)
                        ? "mx-good.plain.test" : "*.plain.test")));
        policyHost.start();
        good = TlsPeers.TlsSink.start(GOOD, "mx-good.test", KeyMaterial.load(goodCert.chain(), goodCert.key()));
        wrong = TlsPeers.TlsSink.start(WRONG, "wrong.example", KeyMaterial.load(wrongCert.chain(), wrongCert.key()));
        unrelated = TlsPeers.TlsSink.start(UNRELATED, "unrelated.test", KeyMaterial.load(unrelatedCert.chain(), unrelatedCert.key()));
        clear = TlsPeers.ClearTextSink.start(CLEAR, dir);
    }

    /** MTA-STS domains (under plain.test) and their MX host; rpt-* also publish TLS-RPT records. */
    static final Map<String, String> STS_DOMAINS = Map.of("sts-good", "mx-good", "sts-wrong", "mx-wrong",
            "sts-unrel", "mx-unrel", "sts-plain", "mx-plain", "sts-notlisted", "other", "sts-testing", "mx-unrel",
            "sts-cached", "mx-unrel", "rpt-good", "mx-good", "rpt-unrel", "mx-unrel");

    /** Whether the sink of {@code sink} accepted a message with this subject. */
    boolean got(Sink sink, String subject) throws java.io.IOException {
        return switch (sink) {
            case GOOD -> good.got(subject);
            case WRONG -> wrong.got(subject);
            case UNRELATED -> unrelated.got(subject);
            case CLEAR -> clear.transcript().contains(subject);
        };
    }

    private static String signedZone(String goodSpki, String caHash, String wrongSpki) {
        return """
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
                """.formatted(GOOD, WRONG, goodSpki, caHash, wrongSpki, UNRELATED, CLEAR);
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
                _smtp._tls.rpt-good TXT "v=TLSRPTv1; rua=https://mta-sts.rpt-good.plain.test/tlsrpt,mailto:reports@rpt-good.plain.test"
                _smtp._tls.rpt-unrel TXT "v=TLSRPTv1; rua=https://mta-sts.rpt-good.plain.test/tlsrpt,mailto:reports@rpt-good.plain.test"
                """.formatted(UNRELATED, goodSpki, GOOD, GOOD, WRONG, UNRELATED, CLEAR));
        STS_DOMAINS.forEach((domain, host) -> z.append(domain).append(" MX 10 ").append(host).append('\n')
                .append("_mta-sts.").append(domain).append(" TXT \"v=STSv1; id=20261201\"\n")
                .append("mta-sts.").append(domain).append(" A ").append(POLICY_HOST).append('\n'));
        return z.toString();
    }

    private static String policy(String mode, String mx) {
        return "version: STSv1\r\nmode: " + mode + "\r\nmx: " + mx + "\r\nmax_age: 86400\r\n";
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {good, wrong, unrelated, clear, policyHost, dns}) {
            if (c != null) c.close();
        }
    }
}
