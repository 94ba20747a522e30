package org.postloom.spool;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import org.postloom.intake.MessageStore;
import org.postloom.mail.Envelope;

/**
 * One message on its way in: the session writes the body as DATA arrives, and {@link #commit()}
 * hands it to the writer and waits (parking the session's virtual thread) until it is forced.
 * Header lines given to {@link #prepend(byte[])} go in front of the streamed body: they join the
 * record's in-memory head, and the payload's checksum is extended over them without reading the
 * body again ({@link Crc32cConcat}).
 */
final class SpoolReception implements MessageStore.Reception {

    private static final System.Logger LOG = System.getLogger(SpoolReception.class.getName());
    private static final byte[] NOTHING = new byte[0];

    private final Envelope envelope;
    private final byte[] prefix;
    private final SpillingBody body;
    private final GroupCommitWriter writer;
    private final OutputStream guardedBody;
    private byte[] prepended = NOTHING;
    private boolean done;

    SpoolReception(Envelope envelope, SpoolOptions options, SegmentDirectory directory, GroupCommitWriter writer) {
        this.envelope = envelope;
        this.prefix = EntryCodec.messagePrefix(envelope);
        this.body = new SpillingBody(directory.incoming(), options.memoryThreshold());
        this.writer = writer;
        this.guardedBody = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (done) throw new IllegalStateException("reception already committed or closed");
                try {
                    body.write(b, off, len);
                } catch (IOException e) {
                    throw Failures.classify(e); // a full disk while spilling is still a 452
                }
            }
        };
    }

    @Override
    public OutputStream body() {
        return guardedBody;
    }

    @Override
    public void prepend(byte[] headerLines) {
        if (done) throw new IllegalStateException("reception already committed or closed");
        byte[] joined = new byte[headerLines.length + prepended.length];
        System.arraycopy(headerLines, 0, joined, 0, headerLines.length);
        System.arraycopy(prepended, 0, joined, headerLines.length, prepended.length);
        prepended = joined;
    }

    /** Bytes of this body held on the heap (the rest, if any, is in a temporary file). */
    int bufferedBytes() {
        return body.bufferedBytes();
    }

    @Override
    public void commit() throws SpoolException {
        if (done) throw new IllegalStateException("reception already committed or closed");
        done = true;
        long size = prepended.length + body.size();
        try {
            byte[] head = new byte[prefix.length + prepended.length];
            System.arraycopy(prefix, 0, head, 0, prefix.length);
            System.arraycopy(prepended, 0, head, prefix.length, prepended.length);
            int checksum = Crc32cConcat.of(Frame.checksum(head), body.checksum(), body.size());
            var entry = new LogEntry.MessageQueued(envelope, prefix.length, size);
            Failures.awaitDurable(writer.submit(PendingAppend.message(head, body.finish(), checksum, entry)));
        } catch (IOException e) {
            throw Failures.classify(e);
        } finally {
            body.discard();
        }
        LOG.log(Level.INFO, () -> "queued id=" + envelope.queueId() + " from=<" + envelope.sender()
                + "> nrcpt=" + envelope.recipients().size() + " size=" + size);
    }

    @Override
    public void close() {
        if (!done) {
            done = true;
            body.discard();
        }
    }
}
