package org.postloom.fuzz;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.postloom.smtp.BodyOutcome;
import org.postloom.smtp.BodySink;
import org.postloom.smtp.ChunkDecoder;
import org.postloom.smtp.DotDecoder;
import org.postloom.smtp.MemoryStore;
import org.postloom.smtp.Reply;
import org.postloom.smtp.SessionSettings;
import org.postloom.smtp.SmtpSession;
import org.postloom.smtp.Step;
import org.postloom.intake.MessageStore;
import org.postloom.intake.IntakeException;

/**
 * A client's whole byte stream played into an {@link SmtpSession} the way the live connection
 * does it (lines split at LF, the same hard line limit and the same malformed-line rules, bodies
 * through the real decoders into a {@link MemoryStore}), checking every reply on the way.
 */
final class SessionDriver {

    static final int MAX_COMMAND_LINE = 512;
    static final int BODY_LINE_CAP = 998;

    private final SmtpSession session;
    private final MemoryStore store;
    private final byte[] stream;
    private int pos;
    private MessageStore.Reception chunkReception;
    private BodySink chunkSink;
    private ChunkDecoder chunkDecoder;
    final List<Reply> replies = new ArrayList<>();

    SessionDriver(SessionSettings settings, InetAddress client, MemoryStore store, byte[] stream) {
        this.session = new SmtpSession(settings, client, Clock.systemUTC(), store);
        this.store = store;
        this.stream = stream;
    }

    /** Plays the stream to its end or to a Close; throws AssertionError on a broken invariant. */
    void play() {
        check(session.greeting(), true);
        while (pos < stream.length) {
            int lf = indexOf((byte) '\n', pos);
            if (lf < 0) return;                        // the client never finished its line
            Step step;
            String verb = "";
            if (lf - pos > MAX_COMMAND_LINE + 1) {
                step = session.lineTooLong();
            } else {
                String problem = malformed(pos, lf);
                if (problem != null) {
                    step = session.malformedLine(problem);
                } else {
                    String line = decode(pos, lf - 1);
                    verb = line.split(" ", 2)[0].toUpperCase(java.util.Locale.ROOT);
                    step = session.handle(line);
                }
            }
            pos = lf + 1;
            boolean hello = verb.equals("EHLO") || verb.equals("HELO");
            if (!carryOut(step, hello)) return;
            if (!session.inChunkedTransfer()) chunkReception = null;
        }
    }

    private boolean carryOut(Step step, boolean hello) {
        switch (step) {
            case Step.Continue c -> check(c.reply(), hello && c.reply().code() == 250);
            case Step.Pause pause -> check(pause.reply(), false);
            case Step.Close c -> {
                check(c.reply(), false);
                return false;
            }
            case Step.StartTls s -> {
                check(s.reply(), false);
                session.tlsStarted("version=TLSv1.3 cipher=FUZZ");
            }
            case Step.ReadData d -> {
                MessageStore.Reception reception;
                try {
                    reception = store.receive(d.envelope());
                } catch (IntakeException e) {
                    return carryOut(session.bodyEnded(BodyOutcome.STORAGE_FULL, 0), false);
                }
                check(d.reply(), false);
                BodySink sink = new BodySink(reception.body(), d.sizeLimit(), BODY_LINE_CAP);
                DotDecoder decoder = new DotDecoder(sink);
                pos += decoder.feed(stream, pos, stream.length - pos);
                if (!decoder.done()) return false;
                return carryOut(session.bodyEnded(finish(sink, reception, true), sink.octets()), false);
            }
            case Step.ReadChunk c -> {
                if (c.first()) {
                    try {
                        chunkReception = store.receive(c.envelope());
                    } catch (IntakeException e) {
                        return false;
                    }
                    chunkSink = new BodySink(chunkReception.body(), c.sizeLimit(), BODY_LINE_CAP);
                    chunkDecoder = new ChunkDecoder(chunkSink);
                }
                long before = chunkSink.octets();
                chunkDecoder.expect(c.size());
                pos += chunkDecoder.feed(stream, pos, stream.length - pos);
                if (!chunkDecoder.done()) return false;
                if (c.last()) chunkDecoder.finish();
                BodyOutcome outcome = !c.last() && chunkSink.problem() == null
                        ? BodyOutcome.CHUNK_STORED : finish(chunkSink, chunkReception, c.last());
                return carryOut(session.bodyEnded(outcome, chunkSink.octets() - before), false);
            }
            case Step.DiscardChunk d -> {
                if (stream.length - pos < d.size()) return false;
                pos += (int) d.size();
                check(d.reply(), false);
            }
        }
        return true;
    }

    private static BodyOutcome finish(BodySink sink, MessageStore.Reception reception, boolean complete) {
        sink.flush();
        if (sink.problem() != null) return sink.problem();
        if (!complete) return BodyOutcome.CHUNK_STORED;
        try {
            reception.commit();
            return BodyOutcome.STORED;
        } catch (IntakeException e) {
            return BodyOutcome.STORAGE_FAILED;
        }
    }

    private void check(Reply reply, boolean mayLackStatus) {
        replies.add(reply);
        WireInvariants.checkReply(reply, mayLackStatus || reply.code() == 220 && replies.size() == 1);
    }

    /** The same judgement as the live reader: CRLF only at the end, valid UTF-8. */
    private String malformed(int from, int lf) {
        if (lf == from || stream[lf - 1] != '\r') return "Bare LF in command line";
        for (int i = from; i < lf - 1; i++) if (stream[i] == '\r') return "Bare CR in command line";
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(stream, from, lf - 1 - from));
            return null;
        } catch (CharacterCodingException e) {
            return "Command line is not valid UTF-8";
        }
    }

    private String decode(int from, int end) {
        return new String(stream, from, end - from, StandardCharsets.UTF_8);
    }

    private int indexOf(byte b, int from) {
        for (int i = from; i < stream.length; i++) if (stream[i] == b) return i;
        return -1;
    }
}
