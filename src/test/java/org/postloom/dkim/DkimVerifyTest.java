package org.postloom.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.postloom.dns.DnsmasqServer;
import org.postloom.testing.TestKeys;

/**
 * Messages sent through a live listener into the real spool, signed on the way, then checked by
 * dkimpy (Debian's python3-dkim) with the public keys served by dnsmasq: both algorithms, dual
 * signing, every canonicalization, awkward headers and bodies, DATA and BDAT.
 */
class DkimVerifyTest {

    private static final String HEADERS = "From: Jane Doe <jane@dual.test>\r\n"
            + "To: Bob <bob@elsewhere.test>\r\n"
            + "Subject: Your receipt\r\n"
            + "Date: Tue, 14 Jan 2025 10:00:00 +0000\r\n"
            + "Message-ID: <r1@dual.test>\r\n"
            + "MIME-Version: 1.0\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\n";

    @TempDir
    static Path keysDir;
    @TempDir
    Path spoolDir;

    static DnsmasqServer dns;
    static DkimPy verifier;
    static DkimKeys keys;

    @BeforeAll
    static void keysAndDns() throws Exception {
        KeyPair rsa = TestKeys.rsa(2048);
        KeyPair ed = TestKeys.ed25519();
        KeyPair rsaOnly = TestKeys.rsa(3072);
        KeyPair edOnly = TestKeys.ed25519();
        keys = DkimKeys.load(Map.of(
                "dual.test", Map.of("rsa2025", TestKeys.pkcs8(keysDir, "rsa.pem", rsa).toString(),
                        "ed2025", TestKeys.pkcs8(keysDir, "ed.pem", ed).toString()),
                "rsa.test", Map.of("r1", TestKeys.pkcs1(keysDir, "rsa-only.pem", rsaOnly).toString()),
                "ed.test", Map.of("e1", TestKeys.pkcs8(keysDir, "ed-only.pem", edOnly).toString())));
        dns = DnsmasqServer.start(60,
                TestKeys.dnsmasqTxt("rsa2025._domainkey.dual.test", TestKeys.txt(rsa)),
                TestKeys.dnsmasqTxt("ed2025._domainkey.dual.test", TestKeys.txt(ed)),
                TestKeys.dnsmasqTxt("r1._domainkey.rsa.test", TestKeys.txt(rsaOnly)),
                TestKeys.dnsmasqTxt("e1._domainkey.ed.test", TestKeys.txt(edOnly)));
        verifier = DkimPy.require(dns.address());
    }

    @AfterAll
    static void stopDns() throws Exception {
        if (verifier != null) verifier.close();
        if (dns != null) dns.close();
    }

    static Stream<Arguments> messages() {
        String longSubject = "Subject: " + "a very long subject line ".repeat(8).strip() + "\r\n\t"
                + "that goes on over folded lines  \r\n   with odd   spacing\t \r\n";
        var manyRecipients = new StringBuilder("To: r0@elsewhere.test");
        for (int i = 1; i < 30; i++) manyRecipients.append(",\r\n ").append("r").append(i).append("@elsewhere.test");
        String folded = HEADERS.replace("Subject: Your receipt\r\n", longSubject)
                .replace("To: Bob <bob@elsewhere.test>\r\n", manyRecipients + "\r\n")
                + "References: <" + "x".repeat(200) + "@dual.test>\r\n <y@dual.test>\r\n"
                + "List-Unsubscribe: <https://dual.test/u/1>\r\n";
        String utf8 = HEADERS.replace("Subject: Your receipt", "Subject: Grüße aus Köln – 東京 ✓")
                + "Content-Transfer-Encoding: 8bit\r\n";
        var cases = Stream.of(
                Arguments.of("plain", HEADERS + "\r\nHello Bob,\r\nthanks.\r\n", 0),
                Arguments.of("trailing blank lines", HEADERS + "\r\nHello\r\n\r\n  \r\n\r\n\r\n", 0),
                Arguments.of("no trailing blank line", HEADERS + "\r\nline one\r\nlast line\r\n", 0),
                Arguments.of("whitespace in the body", HEADERS + "\r\n  indented\t line \t\r\nx  y\r\n\t\r\nend\r\n", 0),
                Arguments.of("dot lines", HEADERS + "\r\n.\r\n..two\r\n.leading dot\r\n", 0),
                Arguments.of("long and folded headers", folded + "\r\nbody\r\n", 0),
                Arguments.of("8-bit UTF-8", utf8 + "\r\nGrüße, Jörg — 東京から ✓\r\nÆØÅ æøå\r\n", 0),
                Arguments.of("display name with quotes and comma",
                        HEADERS.replace("From: Jane Doe <jane@dual.test>",
                                "From: \"Doe, Jane (Billing) <billing@evil.test>\" <jane@DUAL.test>")
                                + "\r\nbody\r\n", 0),
                Arguments.of("empty body", HEADERS + "\r\n", 0),
                Arguments.of("BDAT in 3-octet chunks", HEADERS + "\r\nchunked\r\n \r\n\r\n", 3),
                Arguments.of("BDAT without final CRLF", HEADERS + "\r\nno line end at the end  ", 64));
        return cases.flatMap(c -> Stream.of("relaxed/relaxed", "simple/simple")
                .map(canon -> Arguments.of(canon, c.get()[0], c.get()[1], c.get()[2])));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("messages")
    void dualSignaturesVerify(String canonicalization, String name, String content, int chunk) throws Exception {
        byte[] stored = send(DkimSettings.defaults().withCanonicalization(canonicalization), content, chunk);
        assertThat(text(stored)).startsWith("DKIM-Signature:");
        String signatures = text(stored).substring(0, text(stored).indexOf("\r\nReceived: "));
        assertThat(signatures.split("\r\n")).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(78));
        assertThat(text(stored)).endsWith(content);
        // Delivery ends content that lacks a final CRLF with one (LineFolder): receivers verify that.
        byte[] delivered = content.endsWith("\r\n") ? stored : bytes(text(stored) + "\r\n");
        var verdict = verifier.verify(delivered);
        assertThat(verdict.allVerified()).as(verdict.output() + "\n" + text(stored)).isTrue();
        assertThat(verdict.output()).contains("ok d=dual.test s=rsa2025 a=rsa-sha256 c=" + canonicalization)
                .contains("ok d=dual.test s=ed2025 a=ed25519-sha256 c=" + canonicalization);
    }

    @Test
    void aFiveMebibyteBodyStreamsAndVerifies() throws Exception {
        var body = new StringBuilder(5 << 20);
        for (int i = 0; body.length() < 5 << 20; i++) body.append("line ").append(i).append(" of a large body\t \r\n");
        String content = HEADERS + "\r\n" + body;
        for (String c : new String[] {"relaxed/relaxed", "simple/simple"}) {
            byte[] stored = send(DkimSettings.defaults().withCanonicalization(c), content, 0);
            var verdict = verifier.verify(stored);
            assertThat(verdict.allVerified()).as(verdict.output()).isTrue();
            assertThat(verdict.output().lines()).hasSize(2);
        }
    }

    @Test
    void oneKeyOneSignatureForEachAlgorithm() throws Exception {
        for (var domain : Map.of("rsa.test", "s=r1 a=rsa-sha256", "ed.test", "s=e1 a=ed25519-sha256").entrySet()) {
            byte[] stored = send(DkimSettings.defaults(),
                    HEADERS.replace("jane@dual.test", "jane@" + domain.getKey()) + "\r\nbody\r\n", 0);
            var verdict = verifier.verify(stored);
            assertThat(verdict.allVerified()).as(verdict.output()).isTrue();
            assertThat(verdict.output()).isEqualTo("ok d=" + domain.getKey() + " " + domain.getValue()
                    + " c=relaxed/relaxed\n");
        }
    }

    @Test
    void aDomainWithoutKeysPassesUnsigned() throws Exception {
        String content = HEADERS.replace("jane@dual.test", "jane@nokeys.test") + "\r\nbody\r\n";
        byte[] stored = send(DkimSettings.defaults(), content, 0);
        assertThat(text(stored)).startsWith("Received: ").endsWith(content).doesNotContain("DKIM-Signature");
    }

    @Test
    void aSubdomainIsSignedByItsParentOnlyWhenConfigured() throws Exception {
        String content = HEADERS.replace("jane@dual.test", "jane@news.dual.test") + "\r\nbody\r\n";
        assertThat(text(send(DkimSettings.defaults(), content, 0))).doesNotContain("DKIM-Signature");
        byte[] stored = send(DkimSettings.defaults().withParentDomains(true), content, 0);
        var verdict = verifier.verify(stored);
        assertThat(verdict.allVerified()).as(verdict.output()).isTrue();
        assertThat(verdict.output()).contains("ok d=dual.test s=rsa2025");
    }

    @Test
    void aHeaderBlockBeyondTheCapIsStoredUnsigned() throws Exception {
        String content = HEADERS + "X-Padding: " + "p".repeat(3000) + "\r\n\r\nbody\r\n";
        byte[] stored = send(DkimSettings.defaults().withHeaderCap(2048), content, 0);
        assertThat(text(stored)).startsWith("Received: ").endsWith(content);
    }

    @Test
    void aChangedBodyOrSignedHeaderFailsVerification() throws Exception {
        byte[] stored = send(DkimSettings.defaults(), HEADERS + "\r\nPay 10 EUR\r\n", 0);
        String message = text(stored);
        assertThat(verifier.verify(bytes(message.replace("Pay 10", "Pay 99"))).allVerified()).isFalse();
        assertThat(verifier.verify(bytes(message.replace("Your receipt", "Your invoice"))).allVerified()).isFalse();
        // An added second From is caught by the over-signed From.
        assertThat(verifier.verify(bytes(message.replace("From: Jane", "From: Mallory <m@evil.test>\r\nFrom: Jane")))
                .allVerified()).isFalse();
    }

    private byte[] send(DkimSettings settings, String content, int chunk) throws Exception {
        Path dir = Files.createTempDirectory(spoolDir, "spool");
        try (var relay = new SigningRelay(dir, new DkimSigner(keys, settings, Clock.systemUTC()))) {
            return relay.send(bytes(content), chunk);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
