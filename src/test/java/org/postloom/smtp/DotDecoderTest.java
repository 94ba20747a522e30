package org.postloom.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class DotDecoderTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final BodySink sink = new BodySink(out, 1000, 100);
    private final DotDecoder decoder = new DotDecoder(sink);

    private int feed(String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        return decoder.feed(b, 0, b.length);
    }

    @Test
    void undoesDotStuffingAndStopsExactlyAfterTheEnd() {
        String input = "a\r\n..b\r\n.c\r\n.\r\nQUIT\r\n";
        int taken = feed(input);
        assertThat(decoder.done()).isTrue();
        assertThat(taken).isEqualTo(input.indexOf("QUIT"));
        assertThat(out.toString(StandardCharsets.ISO_8859_1)).isEqualTo("a\r\n.b\r\nc\r\n");
        assertThat(sink.problem()).isNull();
    }

    @Test
    void emptyBodyAndEndSplitAcrossReads() {
        for (String piece : new String[] {".", "\r", "\n"}) feed(piece);
        assertThat(decoder.done()).isTrue();
        assertThat(out.size()).isZero();
    }

    @Test
    void bytesAreCountedOneByOneWhenFedOneByOne() {
        String input = "x\r\n..\r\n.\r\n";
        for (char c : input.toCharArray()) feed(String.valueOf(c));
        assertThat(out.toString(StandardCharsets.ISO_8859_1)).isEqualTo("x\r\n.\r\n");
        assertThat(sink.octets()).isEqualTo(6);
    }

    /** RFC 5321 2.3.8 and CVE-2023-51764: only CRLF.CRLF ends the data, and lone CR/LF fail it. */
    @ParameterizedTest
    @ValueSource(strings = {"\n.\n", "\r.\r", "\n.\r\n", "\r\n.\n", "\r\n.\r", "\r.\r\n", "\n", "\r", "\r\r\n", "\n\r\n"})
    void smugglingEndingsNeitherEndTheDataNorPass(String fakeEnd) {
        feed("Subject: x\r\n\r\nbody" + fakeEnd + "MAIL FROM:<evil@x>\r\n");
        assertThat(decoder.done()).as("a fake end of data must not end it").isFalse();
        feed("\r\n.\r\n");
        assertThat(decoder.done()).isTrue();
        assertThat(sink.problem()).isEqualTo(BodyOutcome.BARE_CR_OR_LF);
    }

    @Test
    void tooBigIsReadToTheEndAndReported() {
        BodySink small = new BodySink(out, 10, 100);
        DotDecoder d = new DotDecoder(small);
        byte[] b = "0123456789abcdef\r\nmore\r\n.\r\n".getBytes(StandardCharsets.US_ASCII);
        assertThat(d.feed(b, 0, b.length)).isEqualTo(b.length);
        assertThat(small.problem()).isEqualTo(BodyOutcome.TOO_BIG);
        assertThat(out.size()).isLessThanOrEqualTo(10);
    }

    @Test
    void aLineOverTheCapIsReported() {
        feed("x".repeat(101) + "\r\n.\r\n");
        assertThat(decoder.done()).isTrue();
        assertThat(sink.problem()).isEqualTo(BodyOutcome.LINE_TOO_LONG);
    }
}
