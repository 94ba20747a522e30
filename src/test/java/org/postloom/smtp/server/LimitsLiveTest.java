package org.postloom.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.postloom.smtp.Cidr;
import org.postloom.smtp.TestSettings;
import org.postloom.intake.IntakeException;

/** Limits and timeouts over real sockets: the abuser gets a clear reply and is cut off. */
class LimitsLiveTest {

    private static void startTransaction(SmtpClient client) {
        client.reply();
        client.send("EHLO client.test", "MAIL FROM:<a@client.test>", "RCPT TO:<b@example.test>", "DATA");
        client.reply();
        client.reply();
        client.reply();
        assertThat(client.reply()).startsWith("354");
    }

    @Test
    void pastTheConnectionLimitANewClientHears421() {
        try (LiveServer server = new LiveServer(TestSettings.session(), LiveServer.QUICK, ConnectionLimits.of(2), TlsUpgrade.NONE, false);
             SmtpClient one = server.connect(); SmtpClient two = server.connect(); SmtpClient three = server.connect()) {
            assertThat(one.reply()).startsWith("220");
            assertThat(two.reply()).startsWith("220");
            assertThat(three.reply()).startsWith("421 4.7.0");
            assertThat(three.closedByServer()).isTrue();
        }
    }

    @Test
    void oneClientAddressCannotTakeEverySlot() {
        ConnectionLimits limits = new ConnectionLimits(100, 2, List.of(Cidr.parse("127.0.0.3/32")));
        try (LiveServer server = new LiveServer(TestSettings.session(), LiveServer.QUICK, limits, TlsUpgrade.NONE, false);
             SmtpClient one = server.connectFrom("127.0.0.2"); SmtpClient two = server.connectFrom("127.0.0.2");
             SmtpClient three = server.connectFrom("127.0.0.2"); SmtpClient other = server.connectFrom("127.0.0.1");
             SmtpClient exempt1 = server.connectFrom("127.0.0.3"); SmtpClient exempt2 = server.connectFrom("127.0.0.3");
             SmtpClient exempt3 = server.connectFrom("127.0.0.3")) {
            assertThat(one.reply()).startsWith("220");
            assertThat(two.reply()).startsWith("220");
            assertThat(three.reply()).startsWith("421 4.7.0").contains("from your address");
            assertThat(other.reply()).startsWith("220");
            assertThat(exempt3.reply()).startsWith("220");
            one.send("QUIT");
            one.reply();
            assertThat(one.closedByServer()).isTrue();
            // A slot is free again once the session has ended on the server's side too.
            String greeting = "";
            for (int i = 0; i < 100 && !greeting.startsWith("220"); i++) {
                try (SmtpClient again = server.connectFrom("127.0.0.2")) {
                    greeting = again.reply();
                }
            }
            assertThat(greeting).startsWith("220");
        }
    }

    @Test
    void anOverlongCommandLineIsRefusedAndTheSessionStaysInStep() {
        try (LiveServer server = new LiveServer(); SmtpClient client = server.connect()) {
            client.reply();
            client.send("NOOP " + "x".repeat(100_000), "NOOP");
            assertThat(client.reply()).isEqualTo("500 5.5.2 Line too long");
            assertThat(client.reply()).isEqualTo("250 2.0.0 Ok");
        }
    }

    @Test
    void aSilentClientIsDroppedWith421() {
        try (LiveServer server = new LiveServer(); SmtpClient client = server.connect()) {
            client.reply();
            long start = System.nanoTime();
            assertThat(client.reply()).startsWith("421 4.4.2");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
            assertThat(client.closedByServer()).isTrue();
        }
    }

    /** A trickler refreshes no per-read timer: the whole line has one deadline. */
    @Test
    void aTricklingClientIsDroppedToo() throws Exception {
        try (LiveServer server = new LiveServer(); SmtpClient client = server.connect()) {
            client.reply();
            long start = System.nanoTime();
            try {
                for (int i = 0; i < 10; i++) {
                    client.raw("N");
                    Thread.sleep(500);
                }
            } catch (java.io.UncheckedIOException cutOff) {
                // the server closed while we were still trickling: what we want
            }
            assertThat(client.reply()).startsWith("421 4.4.2");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
        }
    }

    @Test
    void aBodyPastTheSizeLimitIsDrainedThenRefused() {
        try (LiveServer server = new LiveServer(); SmtpClient client = server.connect()) {
            startTransaction(client);
            String line = "y".repeat(70) + "\r\n";
            client.raw(line.repeat(200) + ".\r\n");
            assertThat(client.reply()).startsWith("552 5.3.4");
            client.send("NOOP");
            assertThat(client.reply()).isEqualTo("250 2.0.0 Ok");
            assertThat(server.store.committed()).isEmpty();
        }
    }

    @Test
    void aTextLineOverTheHardCapIsRefused() {
        try (LiveServer server = new LiveServer(); SmtpClient client = server.connect()) {
            startTransaction(client);
            client.raw("z".repeat(1500) + "\r\n.\r\n");
            assertThat(client.reply()).startsWith("554 5.5.2 Line too long");
        }
    }

    @Test
    void aFullSpoolGets452AndNoAcknowledgement() {
        try (LiveServer server = new LiveServer(); SmtpClient client = server.connect()) {
            server.store.refuseWith(new IntakeException(IntakeException.Kind.FULL, "disk full"));
            client.reply();
            client.send("EHLO client.test", "MAIL FROM:<a@client.test>", "RCPT TO:<b@example.test>", "DATA");
            client.reply();
            client.reply();
            client.reply();
            assertThat(client.reply()).isEqualTo("452 4.3.1 Insufficient system storage");
            client.send("NOOP");
            assertThat(client.reply()).isEqualTo("250 2.0.0 Ok");
        }
    }

    @Test
    void aFullQueueRefusesAtMailAheadOfTheBody() {
        try (LiveServer server = new LiveServer(); SmtpClient client = server.connect()) {
            server.store.full(true);
            client.reply();
            client.send("EHLO client.test", "MAIL FROM:<a@client.test>");
            client.reply();
            assertThat(client.reply()).startsWith("452 4.3.1");
            server.store.full(false);
            client.send("MAIL FROM:<a@client.test>");
            assertThat(client.reply()).startsWith("250 2.1.0");
        }
    }

    @Test
    void bdatChunksAreStoredAndARefusedChunkIsSkipped() {
        try (LiveServer server = new LiveServer(); SmtpClient client = server.connect()) {
            client.reply();
            client.raw("BDAT 4 LAST\r\nabcd");
            assertThat(client.reply()).isEqualTo("503 5.5.1 Need MAIL before BDAT");
            client.send("EHLO client.test", "MAIL FROM:<a@client.test>", "RCPT TO:<b@example.test>");
            client.reply();
            client.reply();
            client.reply();
            String first = "Subject: chunks\r\n\r\n";
            String second = "QUIT\r\n.\r\n";
            client.raw("BDAT " + first.length() + "\r\n" + first + "BDAT " + second.length() + " LAST\r\n" + second);
            assertThat(client.reply()).isEqualTo("250 2.0.0 " + first.length() + " octets received");
            assertThat(client.reply()).startsWith("250 2.0.0 Ok: queued as");
            assertThat(server.store.committed().getFirst().text()).endsWith(first + second);
            client.raw("MAIL FROM:<a@client.test>\r\nRCPT TO:<b@example.test>\r\nBDAT 20000 LAST\r\n" + "q".repeat(20000));
            client.reply();
            client.reply();
            assertThat(client.reply()).startsWith("552 5.3.4");
            client.send("NOOP");
            assertThat(client.reply()).isEqualTo("250 2.0.0 Ok");
        }
    }
}
