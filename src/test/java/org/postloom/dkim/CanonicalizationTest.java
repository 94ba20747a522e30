package org.postloom.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CanonicalizationTest {

    @Test
    void headersOfTheRfc6376Example() {
        // RFC 6376 3.4.5
        assertThat(text(Canonicalization.RELAXED.header(bytes("A: X\r\n")))).isEqualTo("a:X\r\n");
        assertThat(text(Canonicalization.RELAXED.header(bytes("B : Y\t\r\n\tZ  \r\n")))).isEqualTo("b:Y Z\r\n");
        assertThat(text(Canonicalization.SIMPLE.header(bytes("B : Y\t\r\n\tZ  \r\n")))).isEqualTo("B : Y\t\r\n\tZ  \r\n");
    }

    @Test
    void relaxedHeaderDropsSpaceAroundTheColonAndKeepsUtf8() {
        assertThat(text(Canonicalization.RELAXED.header(bytes("SUBJECT \t:   Grüße  \t aus   Köln \r\n"))))
                .isEqualTo("subject:Grüße aus Köln\r\n");
        assertThat(text(Canonicalization.RELAXED.header(bytes("X-Empty:   \r\n")))).isEqualTo("x-empty:\r\n");
    }

    @Test
    void bodyOfTheRfc6376Example() {
        String body = " C \r\nD \t E\r\n\r\n\r\n";
        assertThat(canonical(Canonicalization.RELAXED, body)).isEqualTo(" C\r\nD E\r\n");
        assertThat(canonical(Canonicalization.SIMPLE, body)).isEqualTo(" C \r\nD \t E\r\n");
    }

    @Test
    void emptyBodies() {
        // RFC 6376 3.4.3: simple makes an empty body one CRLF; 3.4.4 (erratum 1384): relaxed leaves it empty.
        assertThat(b64(hash(Canonicalization.SIMPLE, ""))).isEqualTo("frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=");
        assertThat(b64(hash(Canonicalization.RELAXED, ""))).isEqualTo("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
        assertThat(canonical(Canonicalization.SIMPLE, "\r\n\r\n")).isEqualTo("\r\n");
        assertThat(canonical(Canonicalization.RELAXED, " \r\n\t\r\n")).isEmpty();
    }

    @Test
    void aBodyWithoutFinalCrlfGetsOne() {
        assertThat(canonical(Canonicalization.SIMPLE, "x\r\ny")).isEqualTo("x\r\ny\r\n");
        assertThat(canonical(Canonicalization.RELAXED, "x\r\ny \t")).isEqualTo("x\r\ny\r\n");
    }

    @Test
    void streamedInRandomChunksEqualsTheReference() {
        var random = new Random(6376);
        String[] tokens = {"a", "b", "é", " ", "\t", "\r\n", "\r\n", "\r\n\r\n", "\r", "\n", "  \t "};
        for (int round = 0; round < 2000; round++) {
            var text = new StringBuilder();
            int n = random.nextInt(40);
            for (int i = 0; i < n; i++) text.append(tokens[random.nextInt(tokens.length)]);
            byte[] body = text.toString().getBytes(StandardCharsets.UTF_8);
            for (Canonicalization c : Canonicalization.values()) {
                byte[] expected = Sha256.digest().digest(reference(c, body));
                assertThat(hex(streamed(c, body, random))).as("%s %s", c, HexFormat.of().formatHex(body))
                        .isEqualTo(hex(expected));
            }
        }
    }

    @Test
    void aLargeBodyStreamedInOddChunksHashesAsAWhole() {
        var random = new Random(8463);
        byte[] body = new byte[3 << 20];
        for (int i = 0; i < body.length; i++) body[i] = (byte) " \t\r\nabcdefgh\u00e9".charAt(random.nextInt(13));
        for (Canonicalization c : Canonicalization.values()) {
            assertThat(hex(streamed(c, body, random))).isEqualTo(hex(Sha256.digest().digest(reference(c, body))));
        }
    }

    /** RFC 6376 3.4.3 and 3.4.4 applied to the whole body at once, with regular expressions. */
    static byte[] reference(Canonicalization c, byte[] body) {
        String s = new String(body, StandardCharsets.ISO_8859_1);
        if (c == Canonicalization.RELAXED) {
            s = s.replaceAll("[ \t]+\r\n", "\r\n").replaceAll("[ \t]+\\z", "").replaceAll("[ \t]+", " ");
        }
        while (s.endsWith("\r\n")) s = s.substring(0, s.length() - 2);
        if (c == Canonicalization.SIMPLE || !s.isEmpty()) s += "\r\n";
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] streamed(Canonicalization c, byte[] body, Random random) {
        BodyCanonicalizer canonicalizer = c.body(Sha256.digest());
        int at = 0;
        while (at < body.length) {
            int n = Math.min(body.length - at, random.nextInt(random.nextBoolean() ? 4 : 70_000) + 1);
            canonicalizer.update(body, at, n);
            at += n;
        }
        return canonicalizer.finish();
    }

    private static String canonical(Canonicalization c, String body) {
        byte[] expected = hash(c, body);
        String text = text(reference(c, bytes(body)));
        assertThat(Sha256.digest().digest(bytes(text))).isEqualTo(expected);
        return text;
    }

    private static byte[] hash(Canonicalization c, String body) {
        BodyCanonicalizer canonicalizer = c.body(Sha256.digest());
        byte[] b = bytes(body);
        canonicalizer.update(b, 0, b.length);
        return canonicalizer.finish();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private static String b64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
