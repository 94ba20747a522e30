package org.postloom.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Tag;
import org.postloom.smtp.BodyOutcome;
import org.postloom.smtp.BodySink;
import org.postloom.smtp.ChunkDecoder;

/**
 * BDAT (RFC 3030) in chunks of arbitrary sizes over arbitrary bytes: each chunk takes exactly its
 * size, a body is refused for a bare CR or LF exactly when it has one (also across chunk
 * boundaries), and an accepted body is the bytes as sent.
 */
@Tag("long")
class ChunkDecoderFuzzTest {

    private static final int LINE_CAP = 200;

    @FuzzTest(maxDuration = "10s")
    void chunksAreTakenExactlyAndJudgedRight(byte[] input) {
        check(input);
    }

    static void check(byte[] input) {
        ByteTokens tokens = new ByteTokens(input);
        int chunks = 1 + tokens.below(6);
        int[] sizes = new int[chunks];
        for (int i = 0; i < chunks; i++) sizes[i] = tokens.below(64);
        byte[] body = tokens.bytes(4096);
        var out = new ByteArrayOutputStream();
        var sink = new BodySink(out, Long.MAX_VALUE, LINE_CAP);
        var decoder = new ChunkDecoder(sink);
        var sent = new ByteArrayOutputStream();
        int pos = 0;
        for (int size : sizes) {
            int n = Math.min(size, body.length - pos);
            decoder.expect(n);
            // pieces of the chunk arrive separately, and more bytes than the chunk are offered
            int half = n / 2;
            int took = decoder.feed(body, pos, half);
            took += decoder.feed(body, pos + took, body.length - pos - took);
            assertThat(took).as("a chunk takes exactly its size").isEqualTo(n);
            assertThat(decoder.done()).isTrue();
            sent.write(body, pos, n);
            pos += n;
        }
        decoder.finish();
        byte[] all = sent.toByteArray();
        boolean bare = hasBareCrOrLf(all);
        if (sink.problem() == null) {
            assertThat(bare).as("accepted a body with a bare CR or LF").isFalse();
            WireInvariants.checkLines(out.toByteArray(), LINE_CAP, "a BDAT body ChunkDecoder accepted");
            assertThat(out.toByteArray()).isEqualTo(all);
        } else if (sink.problem() == BodyOutcome.BARE_CR_OR_LF) {
            assertThat(bare).as("refused a body without a bare CR or LF").isTrue();
        } else {
            assertThat(sink.problem()).isEqualTo(BodyOutcome.LINE_TOO_LONG);
        }
    }

    private static boolean hasBareCrOrLf(byte[] c) {
        for (int i = 0; i < c.length; i++) {
            if (c[i] == '\r' && (i + 1 >= c.length || c[i + 1] != '\n')) return true;
            if (c[i] == '\n' && (i == 0 || c[i - 1] != '\r')) return true;
        }
        return false;
    }
}
