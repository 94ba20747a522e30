package org.postloom.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RFC 8461 3.2 (the policy format), 4.1 (MX matching), 5.1 (how long a policy holds). */
class MtaStsPolicyTest {

    private static final Instant FETCHED = Instant.parse("2026-12-01T00:00:00Z");

    private static MtaStsPolicy parse(String text) throws MtaStsPolicy.InvalidPolicy {
        return MtaStsPolicy.parse(text, "abc123", FETCHED);
    }

    @Test
    void aPolicyWithCrlfOrLfLinesIsRead() throws Exception {
        MtaStsPolicy p = parse("version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\nmx: *.example.net\r\nmax_age: 604800\r\nx-ext: ok\r\n");
        assertThat(p.mode()).isEqualTo(MtaStsPolicy.Mode.ENFORCE);
        assertThat(p.mx()).containsExactly("mail.example.com", "*.example.net");
        assertThat(p.maxAge()).isEqualTo(Duration.ofDays(7));
        assertThat(p.id()).isEqualTo("abc123");
    }

    @Test
    void badPoliciesAreRefusedWithTheReason() {
        assertThatThrownBy(() -> parse("version: STSv2\nmode: enforce\nmx: a\nmax_age: 1\n")).hasMessageContaining("STSv1");
        assertThatThrownBy(() -> parse("version: STSv1\nmode: strict\nmx: a\nmax_age: 1\n")).hasMessageContaining("unknown mode");
        assertThatThrownBy(() -> parse("version: STSv1\nmode: enforce\nmax_age: 1\n")).hasMessageContaining("no mx");
        assertThatThrownBy(() -> parse("version: STSv1\nmode: enforce\nmx: a\n")).hasMessageContaining("no max_age");
        assertThatThrownBy(() -> parse("version: STSv1\nmode: enforce\nmx: a\nmax_age: 31557601\n")).hasMessageContaining("over a year");
        assertThatThrownBy(() -> parse("<html>not a policy</html>")).hasMessageContaining("colon");
    }

    @Test
    void modeNoneNeedsNoMx() throws Exception {
        assertThat(parse("version: STSv1\nmode: none\nmax_age: 86400\n").mode()).isEqualTo(MtaStsPolicy.Mode.NONE);
    }

    /** RFC 8461 4.1: the wildcard stands for exactly one left-most label. */
    @Test
    void mxPatternsMatchExactlyOrOneLabelUnderAWildcard() throws Exception {
        MtaStsPolicy p = parse("version: STSv1\nmode: enforce\nmx: mail.example.com\nmx: *.example.net\nmax_age: 60\n");
        assertThat(p.allows("mail.example.com")).isTrue();
        assertThat(p.allows("MAIL.Example.COM.")).isTrue();
        assertThat(p.allows("mx1.example.net")).isTrue();
        assertThat(p.allows("example.net")).isFalse();
        assertThat(p.allows("a.b.example.net")).isFalse();
        assertThat(p.allows("other.example.com")).isFalse();
    }

    @Test
    void aPolicyHoldsForMaxAgeAfterItsFetch() throws Exception {
        MtaStsPolicy p = parse("version: STSv1\nmode: enforce\nmx: a\nmax_age: 3600\n");
        assertThat(p.freshAt(FETCHED.plusSeconds(3599))).isTrue();
        assertThat(p.freshAt(FETCHED.plusSeconds(3600))).isFalse();
    }

    @Test
    void theCacheOnDiskGivesBackWhatWasSaved(@TempDir Path dir) throws Exception {
        MtaStsPolicy p = parse("version: STSv1\r\nmode: testing\r\nmx: *.example.net\r\nmax_age: 86400\r\n");
        new MtaStsStore(dir).save("example.net", p);
        assertThat(new MtaStsStore(dir).load()).containsEntry("example.net", p);
    }
}
