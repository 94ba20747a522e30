package org.postloom.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * RFC 7672 3.1 and RFC 6698 2.1 on certificates made in memory. DANE-TA over a real CA chain is
 * proven end to end in OutboundTlsIT (openssl CA) and PostfixDaneIT.
 */
class DaneCheckTest {

    private static final X509Certificate LEAF = TestKeys.ec("mx.example.test").certificate();
    private static final X509Certificate OTHER = TestKeys.ec("mx.example.test").certificate();

    private static byte[] sha(String algorithm, byte[] data) throws Exception {
        return MessageDigest.getInstance(algorithm).digest(data);
    }

    private static boolean passes(Tlsa record, X509Certificate leaf) {
        return new CertificateCheck.Dane(List.of(record), "mx.example.test").judge(new X509Certificate[] {leaf}, "ECDHE_ECDSA").isEmpty();
    }

    @Test
    void daneEeMatchesTheLeafBySelectorAndMatchingType() throws Exception {
        byte[] spki = LEAF.getPublicKey().getEncoded();
        byte[] cert = LEAF.getEncoded();
        assertThat(passes(new Tlsa(3, 1, 1, sha("SHA-256", spki)), LEAF)).isTrue();
        assertThat(passes(new Tlsa(3, 1, 2, sha("SHA-512", spki)), LEAF)).isTrue();
        assertThat(passes(new Tlsa(3, 0, 1, sha("SHA-256", cert)), LEAF)).isTrue();
        assertThat(passes(new Tlsa(3, 1, 0, spki), LEAF)).isTrue();
        assertThat(passes(new Tlsa(3, 0, 0, cert), LEAF)).isTrue();
    }

    @Test
    void anotherKeyDoesNotMatch() throws Exception {
        var record = new Tlsa(3, 1, 1, sha("SHA-256", LEAF.getPublicKey().getEncoded()));
        var failure = new CertificateCheck.Dane(List.of(record), "mx.example.test").judge(new X509Certificate[] {OTHER}, "ECDHE_ECDSA");
        assertThat(failure).get().extracting(TlsFailure::type).isEqualTo(TlsFailure.Type.VALIDATION_FAILURE);
    }

    /** RFC 7672 3.1.2: a trust anchor is an issuer the server sends, never the leaf itself. */
    @Test
    void daneTaDoesNotTrustTheLeafAsItsOwnAnchor() throws Exception {
        assertThat(passes(new Tlsa(2, 0, 1, sha("SHA-256", LEAF.getEncoded())), LEAF)).isFalse();
    }

    /** RFC 7672 3.1.3: PKIX-TA(0) and PKIX-EE(1) are unusable, as are unknown selectors and matching types. */
    @Test
    void onlyDaneUsagesWithKnownParametersAreUsable() {
        byte[] d = new byte[32];
        assertThat(new Tlsa(3, 1, 1, d).usable()).isTrue();
        assertThat(new Tlsa(2, 0, 2, d).usable()).isTrue();
        assertThat(new Tlsa(0, 0, 1, d).usable()).isFalse();
        assertThat(new Tlsa(1, 1, 1, d).usable()).isFalse();
        assertThat(new Tlsa(3, 2, 1, d).usable()).isFalse();
        assertThat(new Tlsa(3, 1, 3, d).usable()).isFalse();
        assertThatThrownBy(() -> new CertificateCheck.Dane(List.of(new Tlsa(1, 1, 1, d)), "mx.example.test"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
