package org.postloom.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.postloom.mail.Envelope;
import org.postloom.mail.Mailbox;
import org.postloom.mail.QueueId;
import org.postloom.smtp.MemoryStore;
import org.postloom.spool.RecipientState;
import org.postloom.spool.SpooledMessage;

/**
 * Regression for a fuzzing finding: a long remote reply (a verbose server's multi-line 550, joined
 * on one line) or a long header line of the original put lines over 998 octets into the bounce
 * (RFC 5322 2.1.1). They are folded now, and nothing of them is lost.
 */
class BouncerLineLengthTest {

    @Test
    void longDiagnosticsAndReturnedHeadersAreFoldedNotCut() throws Exception {
        String reply = "550-5.1.1 " + "a".repeat(700) + "\r\n550 5.1.1 " + "b".repeat(1500);
        String longHeader = "X-Long: " + "h".repeat(2000);
        byte[] original = ("Subject: hi\r\n" + longHeader + "\r\n\r\nbody\r\n").getBytes(StandardCharsets.US_ASCII);
        Mailbox sender = new Mailbox("s", "sender.test");
        Mailbox rcpt = new Mailbox("r", "dest.test");
        var envelope = new Envelope(new QueueId("Q1"), sender, List.of(rcpt), Envelope.BodyType.SEVEN_BIT, false,
                Instant.EPOCH, "client.test [127.0.0.1]", "");
        var message = new SpooledMessage(envelope, List.of(RecipientState.PENDING), original.length);
        MemoryStore store = new MemoryStore();

        new Bouncer(store, m -> new ByteArrayInputStream(original), "relay.test", Clock.fixed(Instant.EPOCH, ZoneOffset.UTC))
                .failed(message, List.of(new Bouncer.Notice(0, "5.1.1", reply, "mx.dest.test")));

        String dsn = store.committed().getFirst().text();
        assertThat(dsn.split("\r\n")).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(998));
        String unfolded = dsn.replace("\r\n ", "");
        assertThat(unfolded).contains("a".repeat(700)).contains("b".repeat(1500)).contains(longHeader);
    }
}
