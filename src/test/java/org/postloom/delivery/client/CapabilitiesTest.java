package org.postloom.delivery.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.postloom.smtp.Reply;
import org.postloom.smtp.ReplyReader;

/** The EHLO capabilities (RFC 5321 4.1.1.1) the client builds from a reply. */
class CapabilitiesTest {

    private static Reply reply(String wire) throws IOException {
        return new ReplyReader(new ByteArrayInputStream(wire.getBytes(StandardCharsets.UTF_8))).read();
    }

    @Test
    void parsesCapabilities() throws IOException {
        Capabilities caps = Capabilities.parse(reply(
                "250-mx.test\r\n250-pipelining\r\n250-SIZE 52428800\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n"
                        + "250-CHUNKING\r\n250-STARTTLS\r\n250 ENHANCEDSTATUSCODES\r\n"));
        assertThat(caps).isEqualTo(new Capabilities(true, true, true, 52_428_800, true, true, true, true, true));
        assertThat(caps.tooBig(52_428_801)).isTrue();
        Capabilities unlimited = Capabilities.parse(reply("250-mx.test\r\n250 SIZE\r\n"));
        assertThat(unlimited.size()).isTrue();
        assertThat(unlimited.tooBig(Long.MAX_VALUE)).isFalse();
        assertThat(Capabilities.parse(reply("250 mx.test\r\n")))
                .isEqualTo(new Capabilities(true, false, false, 0, false, false, false, false, false));
    }
}
