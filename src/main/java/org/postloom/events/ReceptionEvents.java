package org.postloom.events;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import org.postloom.mail.Envelope;
import org.postloom.mail.QueueId;
import org.postloom.intake.MessageStore;
import org.postloom.intake.IntakeException;

/**
 * The reception seam with events: a store that makes each message's {@code reception} event
 * durable just before the message itself is committed, so a crash can repeat the event (same
 * id) but never lose it. The body's first bytes are kept on the side for Message-ID and the
 * configured header fields.
 */
final class ReceptionEvents implements MessageStore {

    private final MessageStore store;
    private final DeliveryEvents events;
    private final List<String> headers;

    ReceptionEvents(MessageStore store, DeliveryEvents events, List<String> headers) {
        this.store = store;
        this.events = events;
        this.headers = headers;
    }

    @Override
    public QueueId newQueueId() {
        return store.newQueueId();
    }

    @Override
    public boolean hasRoom() {
        return store.hasRoom();
    }

    @Override
    public Reception receive(Envelope envelope) throws IntakeException {
        return new Observed(envelope, store.receive(envelope));
    }

    private final class Observed implements Reception {
        private final Envelope envelope;
        private final Reception reception;
        private final ByteArrayOutputStream head = new ByteArrayOutputStream(1024);
        private final OutputStream body;
        private long size;

        Observed(Envelope envelope, Reception reception) {
            this.envelope = envelope;
            this.reception = reception;
            OutputStream inner = reception.body();
            this.body = new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    inner.write(b, off, len);
                    size += len;
                    int room = MessageHeaders.LIMIT - head.size();
                    if (room > 0) head.write(b, off, Math.min(room, len)); // enough for the header fields an event names
                }

                @Override
                public void flush() throws IOException {
                    inner.flush();
                }
            };
        }

        @Override
        public OutputStream body() {
            return body;
        }

        @Override
        public void prepend(byte[] headerLines) {
            reception.prepend(headerLines);
            size += headerLines.length;
        }

        @Override
        public void commit() throws IntakeException {
            try {
                events.reception(envelope, size, MessageHeaders.parse(head.toByteArray(), headers));
            } catch (IOException e) {
                throw new IntakeException(IntakeException.Kind.FAILED, "event journal: " + e.getMessage(), e);
            }
            try {
                reception.commit();
            } catch (IntakeException | RuntimeException e) {
                events.notQueued(envelope.queueId());
                throw e;
            }
        }

        @Override
        public void close() {
            reception.close();
        }
    }
}
