package org.postloom.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MessageFactoryTest {

    private static final MessageFactory.Message sample(int size, long n) {
        return new MessageFactory(size, "run1", "Fri, 27 Nov 2026 10:00:00 GMT")
                .message(n, "a@src.bench.test", List.of("b@d1.bench.test"));
    }

    private static byte[] wire(MessageFactory.Message m) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        m.writeTo(out);
        return out.toByteArray();
    }

    /** RFC 5321 4.5.2 in reverse: what the server stores after removing the transparency dots. */
    private static byte[] unstuff(byte[] wire) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean lineStart = true;
        for (int i = 0; i < wire.length; i++) {
            if (lineStart && wire[i] == '.') {
                i++; // the first dot of a line is transparency
            }
            out.write(wire[i]);
            lineStart = wire[i] == '\n';
        }
        return out.toByteArray();
    }

    @ParameterizedTest
    @ValueSource(ints = {300, 301, 302, 379, 380, 381, 1024, 10_240, 102_400, 1_048_576})
    void theMessageIsExactlySizeOctetsOnceTheDotsAreRemoved(int size) throws IOException {
        byte[] wire = wire(sample(size, 7));
        assertThat(unstuff(wire)).hasSize(size);
        assertThat(sample(size, 7).wireLength()).isEqualTo(wire.length);
    }

    @ParameterizedTest
    @ValueSource(ints = {300, 381, 1024, 102_400})
    void everyLineEndsInCrlfAndNothingElseIsALineBreak(int size) throws IOException {
        byte[] wire = wire(sample(size, 123_456));
        assertThat(wire[wire.length - 2]).isEqualTo((byte) '\r');
        assertThat(wire[wire.length - 1]).isEqualTo((byte) '\n');
        for (int i = 0; i < wire.length; i++) {
            if (wire[i] == '\r') assertThat(wire[i + 1]).as("CR at %d followed by LF", i).isEqualTo((byte) '\n');
            if (wire[i] == '\n') assertThat(wire[i - 1]).as("LF at %d preceded by CR", i).isEqualTo((byte) '\r');
        }
    }

    @Test
    void linesThatStartWithADotAreStuffedAndNoneEndsTheData() throws IOException {
        byte[] wire = wire(sample(102_400, 1));
        String text = new String(wire, StandardCharsets.US_ASCII);
        assertThat(text).doesNotContain("\r\n.\r\n");
        long dotted = text.lines().filter(l -> l.startsWith(".")).count();
        assertThat(dotted).as("the body carries dot lines on purpose").isGreaterThan(10);
        assertThat(text.lines().filter(l -> l.startsWith(".")).allMatch(l -> l.startsWith(".."))).isTrue();
    }

    @Test
    void linesStayWithinRfc5322sRecommendedLength() throws IOException {
        String text = new String(unstuff(wire(sample(50_000, 9))), StandardCharsets.US_ASCII);
        assertThat(text.split("\r\n")).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(76));
    }

    @Test
    void headersCarryTheMessageNumberAndABlankLineEndsThem() throws IOException {
        String text = new String(wire(sample(1024, 42)), StandardCharsets.US_ASCII);
        assertThat(text).startsWith("Date: Fri, 27 Nov 2026 10:00:00 GMT\r\nFrom: <a@src.bench.test>\r\n");
        assertThat(text).contains("Message-ID: <42.run1@bench.test>\r\n").contains("\r\n\r\n");
    }

    @Test
    void aSizeTooSmallForTheHeadersIsRefusedWithTheMinimum() {
        assertThatThrownBy(() -> sample(100, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("too small").hasMessageContaining("use at least");
    }
}
