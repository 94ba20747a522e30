package org.postloom.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Parsing replies (RFC 5321 4.2, RFC 2034): the one parser of the client, the bench tools and tests. */
class ReplyReaderTest {

    private static ReplyReader reader(String wire) {
        return new ReplyReader(new ByteArrayInputStream(wire.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void readsMultilineRepliesAndEnhancedCodes() throws IOException {
        ReplyReader reader = reader("250-mx.test greets you\r\n250-PIPELINING\r\n250 SIZE 1000\r\n550 5.1.1 <a@b>: no such user\r\n");
        Reply ehlo = reader.read();
        assertThat(ehlo.code()).isEqualTo(250);
        assertThat(ehlo.status()).isEmpty();
        assertThat(ehlo.lines()).containsExactly("mx.test greets you", "PIPELINING", "SIZE 1000");
        assertThat(reader.read()).isEqualTo(Reply.of(550, "5.1.1", "<a@b>: no such user"));
        assertThatThrownBy(reader::read).isInstanceOf(EOFException.class);
    }

    @Test
    void stripsTheEnhancedCodeFromEveryLineAndIgnoresOneOfTheWrongClass() throws IOException {
        assertThat(reader("452-4.5.3 too many\r\n452 4.5.3 try later\r\n").read())
                .isEqualTo(new Reply(452, "4.5.3", List.of("too many", "try later")));
        assertThat(reader("250 5.0.0 odd\r\n").read()).isEqualTo(new Reply(250, "", List.of("5.0.0 odd")));
    }

    @Test
    void acceptsBareLfAndABareCode() throws IOException {
        ReplyReader reader = reader("220 hi\n250\r\n");
        assertThat(reader.read().lines()).containsExactly("hi");
        assertThat(reader.read()).isEqualTo(new Reply(250, "", List.of("")));
    }

    @Test
    void refusesWhatIsNotAReply() {
        for (String bad : List.of("HTTP/1.1 400\r\n", "250-a\r\n251 b\r\n", "199 x\r\n", "25\r\n", "250x\r\n",
                "250 " + "z".repeat(ReplyReader.MAX_LINE) + "\r\n", "250-x\r\n".repeat(ReplyReader.MAX_LINES + 1))) {
            assertThatThrownBy(() -> reader(bad).read()).as(bad.substring(0, Math.min(bad.length(), 20)))
                    .isInstanceOf(ReplyReader.MalformedReplyException.class);
        }
    }

    @Test
    void knowsWhenTheServerSentMoreThanOneReply() throws IOException {
        ReplyReader reader = reader("220 go ahead\r\n250 extra\r\n");
        reader.read();
        assertThat(reader.hasBufferedInput()).isTrue();
        reader.read();
        assertThat(reader.hasBufferedInput()).isFalse();
    }

    @Test
    void pipelinedRepliesInOneBufferComeOneByOne() throws IOException {
        ReplyReader reader = reader("250-mx.test\r\n250-PIPELINING\r\n250 SIZE 1000\r\n250 2.1.0 Ok\r\n354 go\r\n");
        assertThat(reader.read().lines()).containsExactly("mx.test", "PIPELINING", "SIZE 1000");
        assertThat(reader.read()).isEqualTo(Reply.of(250, "2.1.0", "Ok"));
        assertThat(reader.read().code()).isEqualTo(354);
    }

    @Test
    void classes() throws IOException {
        ReplyReader reader = reader("451 4.3.0 later\r\n550 5.1.1 no\r\n250 ok\r\n354 go\r\n");
        Reply later = reader.read();
        assertThat(later.isTransient()).isTrue();
        assertThat(later.isPositive()).isFalse();
        Reply no = reader.read();
        assertThat(no.isPermanent()).isTrue();
        assertThat(no.isTransient()).isFalse();
        Reply ok = reader.read();
        assertThat(ok.isSuccess()).isTrue();
        assertThat(ok.withDefaultStatus().status()).isEqualTo("2.0.0");
        Reply go = reader.read();
        assertThat(go.isSuccess()).isFalse();
        assertThat(go.isPositive()).isTrue();
        assertThat(later.oneLine()).isEqualTo("451 4.3.0 later");
    }
}
