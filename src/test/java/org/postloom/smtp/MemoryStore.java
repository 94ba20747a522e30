package org.postloom.smtp;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.postloom.intake.IntakeException;
import org.postloom.intake.MessageStore;
import org.postloom.mail.Envelope;
import org.postloom.mail.QueueId;

/** Test double behind the reception seam (and the session's admission): keeps committed messages in memory. */
public final class MemoryStore implements MessageStore, Admission {

    public record Stored(Envelope envelope, byte[] body) {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final List<Stored> committed = new CopyOnWriteArrayList<>();
    private final AtomicLong ids = new AtomicLong();
    private volatile IntakeException refuse;
    private volatile boolean full;

    @Override
    public QueueId newQueueId() {
        return new QueueId("T" + ids.incrementAndGet());
    }

    /** From now on every receive() throws this (null to accept again). */
    public void refuseWith(IntakeException e) {
        refuse = e;
    }

    /** From now on hasRoom() says no (until set back). */
    public void full(boolean isFull) {
        full = isFull;
    }

    @Override
    public QueueId nextQueueId() {
        return newQueueId();
    }

    @Override
    public boolean hasRoom() {
        return !full;
    }

    public List<Stored> committed() {
        return committed;
    }

    @Override
    public Reception receive(Envelope envelope) throws IntakeException {
        if (refuse != null) throw refuse;
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        return new Reception() {
            private byte[] prepended = new byte[0];

            @Override
            public OutputStream body() {
                return body;
            }

            @Override
            public void prepend(byte[] headerLines) {
                byte[] joined = Arrays.copyOf(headerLines, headerLines.length + prepended.length);
                System.arraycopy(prepended, 0, joined, headerLines.length, prepended.length);
                prepended = joined;
            }

            @Override
            public void commit() {
                byte[] content = body.toByteArray();
                byte[] stored = Arrays.copyOf(prepended, prepended.length + content.length);
                System.arraycopy(content, 0, stored, prepended.length, content.length);
                committed.add(new Stored(envelope, stored));
            }

            @Override
            public void close() {}
        };
    }
}
