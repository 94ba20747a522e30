package org.postloom.smtp;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.postloom.intake.MessageStore;
import org.postloom.intake.IntakeException;

/**
 * Drives an {@link SmtpSession} with no socket at all: the client's lines go in, the reply lines
 * come out. Bodies run through the real decoders into a {@link MemoryStore}.
 */
public final class InMemoryConversation {

    /** A body being read: its decoder, and what to do once it has all its bytes. */
    private record Pending(BodyDecoder decoder, Runnable whenDone) {}

    private final SmtpSession session;
    private final MemoryStore store;
    private final List<String> replies = new ArrayList<>();
    private Pending pending;
    private MessageStore.Reception reception;
    private BodySink chunkSink;
    private ChunkDecoder chunkDecoder;
    private boolean closed;

    public InMemoryConversation(SessionSettings settings, String clientAddress, MemoryStore store) {
        this.store = store;
        try {
            this.session = new SmtpSession(settings, InetAddress.getByName(clientAddress), Clock.systemUTC(),
                    store);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        add(session.greeting());
    }

    /** Sends lines (without CRLF) and returns every reply line produced since the last call. */
    public List<String> send(List<String> lines) {
        for (String line : lines) {
            if (closed) break;
            if (pending != null) {
                byte[] bytes = (line + "\r\n").getBytes(StandardCharsets.UTF_8);
                pending.decoder().feed(bytes, 0, bytes.length);
                if (pending.decoder().done()) {
                    Runnable then = pending.whenDone();
                    pending = null;
                    then.run();
                }
            } else {
                apply(session.handle(line));
            }
        }
        List<String> out = List.copyOf(replies);
        replies.clear();
        return out;
    }

    private void apply(Step step) {
        switch (step) {
            case Step.Continue c -> add(c.reply());
            case Step.Pause pause -> add(pause.reply());
            case Step.Close c -> {
                add(c.reply());
                closed = true;
            }
            case Step.StartTls s -> {
                add(s.reply());
                session.tlsStarted("version=TLSv1.3 cipher=TEST");
            }
            case Step.ReadData d -> {
                if (!open(d.envelope())) return;
                add(d.reply());
                BodySink sink = new BodySink(reception.body(), d.sizeLimit(), 1000);
                pending = new Pending(new DotDecoder(sink), () -> finish(sink, true));
            }
            case Step.ReadChunk c -> {
                if (c.first()) {
                    if (!open(c.envelope())) return;
                    chunkSink = new BodySink(reception.body(), c.sizeLimit(), 1000);
                    chunkDecoder = new ChunkDecoder(chunkSink);
                }
                chunkDecoder.expect(c.size());
                pending = new Pending(chunkDecoder, () -> {
                    if (c.last()) chunkDecoder.finish();
                    finish(chunkSink, c.last());
                });
            }
            case Step.DiscardChunk d -> {
                ChunkDecoder discard = new ChunkDecoder(new BodySink(OutputStream.nullOutputStream(), Long.MAX_VALUE, 1000));
                discard.expect(d.size());
                pending = new Pending(discard, () -> add(d.reply()));
            }
        }
    }

    private void finish(BodySink sink, boolean complete) {
        BodyOutcome outcome = sink.problem();
        if (outcome == null && !complete) outcome = BodyOutcome.CHUNK_STORED;
        if (outcome == null) {
            try {
                reception.commit();
                outcome = BodyOutcome.STORED;
            } catch (IntakeException e) {
                outcome = BodyOutcome.STORAGE_FAILED;
            }
        }
        apply(session.bodyEnded(outcome, sink.octets()));
    }

    private boolean open(org.postloom.mail.Envelope envelope) {
        try {
            reception = store.receive(envelope);
            return true;
        } catch (IntakeException e) {
            apply(session.bodyEnded(BodyOutcome.STORAGE_FULL, 0));
            return false;
        }
    }

    private void add(Reply reply) {
        replies.addAll(reply.toString().lines().toList());
    }
}
