package org.postloom.delivery.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@link LineFolder} and {@link DotStuffer}, as DATA stacks them, without sockets. */
class EncodingTest {

    private static String data(String content, int chunk) throws IOException {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        DotStuffer dots = new DotStuffer(wire);
        LineFolder lines = new LineFolder(dots);
        byte[] bytes = content.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < bytes.length; i += chunk) lines.write(bytes, i, Math.min(chunk, bytes.length - i));
        lines.finish();
        dots.finish();
        return wire.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void stuffsDotsAtLineStartsOnly() throws IOException {
        for (int chunk : new int[] {1, 2, 7, 4096}) {
            assertThat(data(".\r\na.b\r\n..x\r\n", chunk)).isEqualTo("..\r\na.b\r\n...x\r\n.\r\n");
            assertThat(data(".first", chunk)).isEqualTo("..first\r\n.\r\n");
        }
    }

    @Test
    void turnsBareCrAndLfIntoCrlfSoNoneReachesTheWire() throws IOException {
        for (int chunk : new int[] {1, 3, 4096}) {
            assertThat(data("a\nb\rc\r\rd\r\n.\n.\r", chunk)).isEqualTo("a\r\nb\r\nc\r\n\r\nd\r\n..\r\n..\r\n.\r\n");
        }
    }

    @Test
    void emptyContentIsJustTheFinalDot() throws IOException {
        assertThat(data("", 1)).isEqualTo(".\r\n");
    }

    @Test
    void foldsAfter998OctetsWithCrlfSpaceAndLeavesExactly998Alone() throws IOException {
        String exact = "a".repeat(998);
        assertThat(data(exact + "\r\n", 100)).isEqualTo(exact + "\r\n.\r\n");
        String longer = "b".repeat(998 * 2 + 3);
        for (int chunk : new int[] {1, 500, 8192}) {
            assertThat(data(longer, chunk)).isEqualTo("b".repeat(998) + "\r\n " + "b".repeat(997) + "\r\n " + "b".repeat(4) + "\r\n.\r\n");
        }
    }

    @Test
    void aFoldedContinuationNeverStartsWithADotThatCouldEndTheData() throws IOException {
        String line = "x".repeat(998) + "." + "\r\n";
        assertThat(data(line, 4096)).isEqualTo("x".repeat(998) + "\r\n .\r\n.\r\n");
    }

    @Test
    void theFinalDotNeedsAFinishedLine() {
        DotStuffer dots = new DotStuffer(new ByteArrayOutputStream());
        assertThatThrownBy(() -> {
            dots.write('a');
            dots.finish();
        }).isInstanceOf(IllegalStateException.class);
    }
}
