package org.postloom.spool;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.postloom.mail.Envelope;
import org.postloom.mail.Mailbox;
import org.postloom.mail.QueueId;

/** Envelopes, bodies and a spool that remembers what it published, for the spool's tests. */
final class TestMail {

    /** Held so that it is not collected: quiets the one-line-per-message log in tests. */
    private static final java.util.logging.Logger QUIET = java.util.logging.Logger.getLogger("org.postloom.spool");

    static {
        QUIET.setLevel(java.util.logging.Level.SEVERE);
    }

    private TestMail() { }

    /** A spool plus everything it has published so far. */
    record Opened(Spool spool, ConcurrentLinkedQueue<QueueEntry> published) implements AutoCloseable {
        @Override
        public void close() {
            spool.close();
        }
    }

    static Opened open(Path dir, SpoolOptions options) throws IOException {
        var published = new ConcurrentLinkedQueue<QueueEntry>();
        return new Opened(Spool.open(dir, options, published::add), published);
    }

    static SpoolOptions options() {
        return SpoolOptions.defaults().withMinFreeSpace(0);
    }

    static Envelope envelope(QueueId id, int recipients) {
        var rcpts = new ArrayList<Mailbox>();
        for (int i = 0; i < recipients; i++) rcpts.add(new Mailbox("user" + i, "example.org"));
        return new Envelope(id, new Mailbox("sender", "example.com"), rcpts, Envelope.BodyType.EIGHT_BIT_MIME,
                false, Instant.parse("2025-01-02T03:04:05.123456789Z"), "127.0.0.1 client.example", "TLSv1.3");
    }

    static byte[] body(String id, int size) {
        var line = ("Subject: " + id + "\r\n\r\nline of " + id + " ").getBytes(StandardCharsets.US_ASCII);
        var out = new byte[size];
        for (int i = 0; i < size; i++) out[i] = line[i % line.length];
        return out;
    }

    /** Receives and commits one message; returns its envelope. */
    static Envelope commit(Spool spool, int recipients, byte[] body) throws IOException {
        var envelope = envelope(spool.newQueueId(), recipients);
        try (var reception = spool.receive(envelope)) {
            reception.body().write(body);
            reception.commit();
        }
        return envelope;
    }

    static byte[] readBody(Spool spool, QueueId id) throws IOException {
        try (InputStream in = spool.openBody(id)) {
            var out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toByteArray();
        }
    }

    static List<QueueId> ids(List<SpooledMessage> messages) {
        return messages.stream().map(SpooledMessage::queueId).toList();
    }

    static List<QueueId> entryIds(java.util.Collection<QueueEntry> entries) {
        return entries.stream().map(e -> e.message().queueId()).toList();
    }
}
