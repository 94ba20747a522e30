package org.postloom.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Tag;
import org.postloom.smtp.BodyOutcome;
import org.postloom.smtp.BodySink;
import org.postloom.smtp.DotDecoder;

/**
 * DATA (RFC 5321 4.5.2) from arbitrary bytes in arbitrary pieces: the data ends exactly at the
 * first CRLF "." CRLF and nowhere else (the smuggling defence), a good body is the input with one
 * leading dot taken from each line, and a body the decoder calls good has no bare CR or LF and no
 * line over the cap.
 */
@Tag("long")
class DotDecoderFuzzTest {

    private static final int LINE_CAP = 100;

    @FuzzTest(maxDuration = "10s")
    void decodesExactlyUpToTheFirstEndOfData(byte[] data) {
        check(data);
    }

    static void check(byte[] data) {
        int pieces = data.length == 0 ? 1 : 1 + (data[0] & 7);
        byte[] input = data.length == 0 ? data : Arrays.copyOfRange(data, 1, data.length);
        var out = new ByteArrayOutputStream();
        var sink = new BodySink(out, Long.MAX_VALUE, LINE_CAP);
        var decoder = new DotDecoder(sink);

        int consumed = 0;
        int step = Math.max(1, input.length / pieces);
        while (consumed < input.length && !decoder.done()) {
            int len = Math.min(step, input.length - consumed);
            int took = decoder.feed(input, consumed, len);
            assertThat(took).isBetween(0, len);
            consumed += took;
            if (took < len) break;
        }

        int end = endOfData(input);
        if (end < 0) {
            assertThat(decoder.done()).as("no CRLF.CRLF in the input, yet the data ended").isFalse();
            return;
        }
        assertThat(decoder.done()).as("the input holds CRLF.CRLF ending at %d", end).isTrue();
        assertThat(consumed).as("the data must end at the first CRLF.CRLF").isEqualTo(end);
        byte[] decoded = out.toByteArray();
        BodyOutcome problem = sink.problem();
        byte[] content = Arrays.copyOf(input, end - 3); // keeps the CRLF before the final dot
        if (problem == null) {
            WireInvariants.checkLines(decoded, LINE_CAP, "a body DotDecoder accepted");
            assertThat(decoded).isEqualTo(unstuffed(content));
        } else {
            assertThat(problem).isIn(BodyOutcome.BARE_CR_OR_LF, BodyOutcome.LINE_TOO_LONG);
            boolean bare = hasBareCrOrLf(content);
            assertThat(problem == BodyOutcome.BARE_CR_OR_LF).as("bare CR/LF verdict").isEqualTo(bare && firstProblemIsBare(content));
        }
    }

    /** Where the data ends: after ".\r\n" at the very start, or after the first "\r\n.\r\n"; -1 if nowhere. */
    static int endOfData(byte[] in) {
        if (in.length >= 3 && in[0] == '.' && in[1] == '\r' && in[2] == '\n') return 3;
        for (int i = 0; i + 5 <= in.length; i++) {
            if (in[i] == '\r' && in[i + 1] == '\n' && in[i + 2] == '.' && in[i + 3] == '\r' && in[i + 4] == '\n') return i + 5;
        }
        return -1;
    }

    /** The reference: lines split at CRLF, one leading dot removed from each. */
    private static byte[] unstuffed(byte[] content) {
        var out = new ByteArrayOutputStream();
        boolean lineStart = true;
        for (int i = 0; i < content.length; i++) {
            if (lineStart && content[i] == '.') {
                lineStart = false;
                continue;
            }
            out.write(content[i]);
            lineStart = content[i] == '\n';
        }
        return out.toByteArray();
    }

    private static boolean hasBareCrOrLf(byte[] c) {
        for (int i = 0; i < c.length; i++) {
            if (c[i] == '\r' && (i + 1 >= c.length || c[i + 1] != '\n')) return true;
            if (c[i] == '\n' && (i == 0 || c[i - 1] != '\r')) return true;
        }
        return false;
    }

    /** Whether a bare CR/LF comes before any over-long line (the sink keeps the first problem). */
    private static boolean firstProblemIsBare(byte[] c) {
        int column = 0;
        boolean lineStart = true;
        for (int i = 0; i < c.length; i++) {
            if (c[i] == '\r' && (i + 1 >= c.length || c[i + 1] != '\n')) return true;
            if (c[i] == '\n' && (i == 0 || c[i - 1] != '\r')) return true;
            if (c[i] == '\n') {
                column = 0;
                lineStart = true;
            } else if (c[i] != '\r') {
                if (lineStart && c[i] == '.') {
                    lineStart = false;
                    continue;
                }
                lineStart = false;
                if (++column > LINE_CAP) return false;
            }
        }
        return true;
    }
}
