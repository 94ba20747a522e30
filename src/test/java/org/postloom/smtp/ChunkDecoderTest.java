package org.postloom.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ChunkDecoderTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final BodySink sink = new BodySink(out, 1000, 100);
    private final ChunkDecoder decoder = new ChunkDecoder(sink);

    private int chunk(String s, int size) {
        decoder.expect(size);
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        return decoder.feed(b, 0, b.length);
    }

    @Test
    void takesExactlyTheChunkSizeAndKeepsDots() {
        assertThat(chunk(".a\r\n.\r\nRSET\r\n", 7)).isEqualTo(7);
        assertThat(decoder.done()).isTrue();
        assertThat(out.toString(StandardCharsets.US_ASCII)).isEqualTo(".a\r\n.\r\n");
    }

    @Test
    void aCrLfPairMaySpanTwoChunks() {
        chunk("line\r", 5);
        chunk("\nnext\r\n", 7);
        decoder.finish();
        assertThat(sink.problem()).isNull();
        assertThat(out.toString(StandardCharsets.US_ASCII)).isEqualTo("line\r\nnext\r\n");
    }

    @Test
    void bareLineEndsFailTheMessage() {
        chunk("a\nb", 3);
        assertThat(sink.problem()).isEqualTo(BodyOutcome.BARE_CR_OR_LF);
    }

    @Test
    void aCrAtTheVeryEndIsBare() {
        chunk("a\r", 2);
        decoder.finish();
        assertThat(sink.problem()).isEqualTo(BodyOutcome.BARE_CR_OR_LF);
    }
}
