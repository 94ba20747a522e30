package org.postloom.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The bench sink's line reader: lines longer than its buffer, CR dropped, a partial last line dropped. */
class LineReaderTest {

    private static LineReader reader(String text) {
        return new LineReader(new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void longLinesAcrossBufferRefills() throws IOException {
        String longText = "x".repeat(40_000);
        LineReader lines = reader("250 " + longText + "\r\nnext\n");
        assertThat(lines.next()).isTrue();
        assertThat(lines.text()).isEqualTo("250 " + longText);
        assertThat(lines.next()).isTrue();
        assertThat(lines.text()).isEqualTo("next");
    }

    @Test
    void aPartialLastLineIsDropped() throws IOException {
        LineReader lines = reader("DATA\r\nno end");
        assertThat(lines.next()).isTrue();
        assertThat(lines.text()).isEqualTo("DATA");
        assertThat(lines.next()).isFalse();
    }
}
