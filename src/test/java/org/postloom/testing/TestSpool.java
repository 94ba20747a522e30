package org.postloom.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.postloom.mail.Envelope;
import org.postloom.mail.QueueId;
import org.postloom.spool.Spool;
import org.postloom.spool.SpoolOptions;
import org.postloom.spool.QueueEntry;

/** A real spool in a test's directory, remembering what it published. */
public final class TestSpool {

    private TestSpool() {}

    /** A spool plus everything it has published so far. */
    public record Opened(Spool spool, ConcurrentLinkedQueue<QueueEntry> published) implements AutoCloseable {
        @Override
        public void close() {
            spool.close();
        }
    }

    public static Opened open(Path dir, SpoolOptions options) throws IOException {
        var published = new ConcurrentLinkedQueue<QueueEntry>();
        return new Opened(Spool.open(dir, options, published::add), published);
    }

    /** The defaults, without the free-space floor (a test's disk may be small). */
    public static SpoolOptions options() {
        return Defaults.spoolOptions().withMinFreeSpace(0);
    }

    /** Receives and commits one message; returns its envelope. */
    public static Envelope commit(Spool spool, int recipients, byte[] body) throws IOException {
        var envelope = TestMail.envelope(spool.newQueueId(), recipients);
        try (var reception = spool.receive(envelope)) {
            reception.body().write(body);
            reception.commit();
        }
        return envelope;
    }

    public static byte[] readBody(Spool spool, QueueId id) throws IOException {
        try (InputStream in = spool.openBody(id)) {
            var out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toByteArray();
        }
    }
}
