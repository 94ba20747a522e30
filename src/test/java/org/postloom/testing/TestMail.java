package org.postloom.testing;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.stream.IntStream;
import org.postloom.mail.Envelope;
import org.postloom.mail.Mailbox;
import org.postloom.mail.QueueId;
import org.postloom.spool.QueueEntry;
import org.postloom.spool.SpooledMessage;

/** Envelopes, mailboxes and bodies for tests of every part. */
public final class TestMail {

    private TestMail() {}

    public static Mailbox mailbox(String address) {
        int at = address.lastIndexOf('@');
        return new Mailbox(address.substring(0, at), address.substring(at + 1));
    }

    /** From sender@postloom.test to the given addresses, 7bit. */
    public static Envelope envelope(String queueId, String... recipients) {
        return envelope(queueId, Envelope.BodyType.SEVEN_BIT, false, recipients);
    }

    public static Envelope envelope(String queueId, Envelope.BodyType body, boolean smtpUtf8, String... recipients) {
        List<Mailbox> rcpts = Arrays.stream(recipients).map(TestMail::mailbox).toList();
        return new Envelope(new QueueId(queueId), mailbox("sender@postloom.test"), rcpts, body, smtpUtf8,
                Instant.parse("2025-01-01T00:00:00Z"), "client.test [127.0.0.1]", "");
    }

    /** From sender@example.com to user0..userN-1@example.org, 8bit, received over TLS. */
    public static Envelope envelope(QueueId id, int recipients) {
        var rcpts = new ArrayList<Mailbox>();
        for (int i = 0; i < recipients; i++) rcpts.add(new Mailbox("user" + i, "example.org"));
        return new Envelope(id, new Mailbox("sender", "example.com"), rcpts, Envelope.BodyType.EIGHT_BIT_MIME,
                false, Instant.parse("2025-01-02T03:04:05.123456789Z"), "127.0.0.1 client.example", "TLSv1.3");
    }

    /** Every recipient of the envelope, in order. */
    public static List<Integer> all(Envelope envelope) {
        return IntStream.range(0, envelope.recipients().size()).boxed().toList();
    }

    /** A body of exactly {@code size} bytes that names {@code id}. */
    public static byte[] body(String id, int size) {
        var line = ("Subject: " + id + "\r\n\r\nline of " + id + " ").getBytes(StandardCharsets.US_ASCII);
        var out = new byte[size];
        for (int i = 0; i < size; i++) out[i] = line[i % line.length];
        return out;
    }

    public static String message(String subject, String text) {
        return "From: sender@postloom.test\r\nTo: rcpt@example.test\r\nSubject: " + subject + "\r\n\r\n" + text;
    }

    public static List<QueueId> ids(List<SpooledMessage> messages) {
        return messages.stream().map(SpooledMessage::queueId).toList();
    }

    public static List<QueueId> entryIds(Collection<QueueEntry> entries) {
        return entries.stream().map(e -> e.message().queueId()).toList();
    }
}
