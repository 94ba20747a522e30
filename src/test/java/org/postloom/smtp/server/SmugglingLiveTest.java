package org.postloom.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SMTP smuggling over a real socket: a fake end of data followed by a second transaction must
 * neither end the message nor run the smuggled commands, and nothing is accepted.
 */
class SmugglingLiveTest {

    @ParameterizedTest
    @ValueSource(strings = {"\n.\n", "\r.\r", "\n.\r\n", "\r\n.\n", "\r\n.\r", "\r.\r\n"})
    void fakeEndOfDataIsRefusedAndTheSmuggledMailIsNotRun(String fakeEnd) {
        try (LiveServer server = new LiveServer(); SmtpClient client = server.connect()) {
            client.reply();
            client.send("EHLO client.test", "MAIL FROM:<a@client.test>", "RCPT TO:<b@example.test>", "DATA");
            assertThat(client.reply()).startsWith("250-");
            assertThat(client.reply()).startsWith("250 2.1.0");
            assertThat(client.reply()).startsWith("250 2.1.5");
            assertThat(client.reply()).startsWith("354");
            client.raw("Subject: hi\r\n\r\nbody" + fakeEnd
                    + "MAIL FROM:<evil@client.test>\r\nRCPT TO:<victim@example.test>\r\nDATA\r\n"
                    + "Subject: smuggled\r\n\r\nsmuggled\r\n.\r\n");
            assertThat(client.reply()).startsWith("554 5.5.2");
            client.send("NOOP");
            assertThat(client.reply()).as("no other reply may precede NOOP's").isEqualTo("250 2.0.0 Ok");
            assertThat(server.store.committed()).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"NOOP\n", "NOOP\rRSET\r\n", "MAIL FROM:<a@b.test>\n"})
    void bareLineEndsInCommandsAreRefused(String bad) {
        try (LiveServer server = new LiveServer(); SmtpClient client = server.connect()) {
            client.reply();
            client.raw(bad);
            client.send("NOOP");
            assertThat(client.reply()).startsWith("500 5.5.2");
        }
    }
}
