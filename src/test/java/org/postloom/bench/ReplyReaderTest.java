package org.postloom.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.InputStream;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ReplyReaderTest {

    private static ReplyReader reader(String text) {
        InputStream in = new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII));
        return new ReplyReader(new LineReader(in));
    }

    @Test
    void multiLineRepliesAndPipelinedRepliesInOneBuffer() throws Exception {
        ReplyReader r = reader("250-mx.test\r\n250-PIPELINING\r\n250 SIZE 1000\r\n250 2.1.0 Ok\r\n354 go\r\n");
        Reply ehlo = r.read();
        assertThat(ehlo.code()).isEqualTo(250);
        assertThat(ehlo.lines()).containsExactly("mx.test", "PIPELINING", "SIZE 1000");
        assertThat(r.read().lastLine()).isEqualTo("2.1.0 Ok");
        assertThat(r.read().code()).isEqualTo(354);
    }

    @Test
    void aBareCodeIsAReply() throws Exception {
        assertThat(reader("221\r\n").read().code()).isEqualTo(221);
    }

    @Test
    void classes() throws Exception {
        ReplyReader r = reader("451 4.3.0 later\r\n550 5.1.1 no\r\n250 ok\r\n");
        assertThat(r.read().transientFailure()).isTrue();
        assertThat(r.read().positive()).isFalse();
        assertThat(r.read().positive()).isTrue();
    }

    @Test
    void garbageAndEndOfStreamAreErrors() {
        assertThatThrownBy(() -> reader("hello\r\n").read()).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> reader("250-more to come\r\n").read()).isInstanceOf(EOFException.class);
    }

    @Test
    void longLinesAcrossBufferRefills() throws Exception {
        String longText = "x".repeat(40_000);
        Reply reply = reader("250 " + longText + "\r\n").read();
        assertThat(reply.lastLine()).isEqualTo(longText);
    }
}
