package org.postloom.smtp.server;

import org.postloom.intake.Intake;
import org.postloom.intake.IntakeException;
import org.postloom.intake.MessageStore.Reception;
import org.postloom.mail.Envelope;
import org.postloom.smtp.BodyOutcome;
import org.postloom.smtp.BodySink;
import org.postloom.smtp.ChunkDecoder;
import org.postloom.smtp.DotDecoder;

/**
 * One message body on its way into storage, opened once per transaction: at DATA, or at the
 * first BDAT chunk, after which it lives across the chunks (RFC 3030 2) until the last one, or
 * until the transaction is abandoned. It holds the reception, the sink that enforces the size
 * and line limits, and the decoder of the transfer in use.
 */
final class BodyTransfer implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("org.postloom.smtp");

    private final Reception reception;
    private final BodySink sink;
    private ChunkDecoder chunks;

    private BodyTransfer(Reception reception, BodySink sink) {
        this.reception = reception;
        this.sink = sink;
    }

    /**
     * Starts storing a message through the intake: our trace header first, then the client's
     * content (which the intake's signer signs, not our header).
     *
     * @throws IntakeException when storage refuses at once; the client hears 452 or 451
     */
    static BodyTransfer open(Intake intake, Envelope envelope, String receivedHeader, long sizeLimit,
                             int maxLineLength) throws IntakeException {
        Reception stored = intake.open(envelope, receivedHeader);
        return new BodyTransfer(stored, new BodySink(stored.body(), sizeLimit, maxLineLength));
    }

    /** The decoder of a DATA body (RFC 5321 4.5.2: dot-stuffing, CRLF.CRLF ends it). */
    DotDecoder dotDecoder() {
        return new DotDecoder(sink);
    }

    /** The decoder of BDAT chunks, one for the whole transfer, told each chunk's size. */
    ChunkDecoder chunkDecoder(long chunkSize) {
        if (chunks == null) chunks = new ChunkDecoder(sink);
        chunks.expect(chunkSize);
        return chunks;
    }

    /** After a chunk has been read: the last one (or one with a problem) ends the transfer. */
    BodyOutcome chunkEnded(boolean last) {
        if (last) chunks.finish();
        return !last && sink.problem() == null ? BodyOutcome.CHUNK_STORED : finish();
    }

    /** A body read to its end is committed, unless something was wrong with it. */
    BodyOutcome finish() {
        sink.flush();
        if (sink.problem() != null) {
            return sink.writeFailure() instanceof IntakeException e ? refused(e) : sink.problem();
        }
        try {
            reception.commit();
            return BodyOutcome.STORED;
        } catch (IntakeException e) {
            return refused(e);
        }
    }

    /** Octets of the client's content so far. */
    long octets() {
        return sink.octets();
    }

    /** What the client hears when storage refuses: 452 4.3.1 when full, else 451 4.3.0. */
    static BodyOutcome refused(IntakeException e) {
        LOG.log(System.Logger.Level.WARNING, "storage refused message: " + e.getMessage());
        return e.kind() == IntakeException.Kind.FULL ? BodyOutcome.STORAGE_FULL : BodyOutcome.STORAGE_FAILED;
    }

    /** Forgets the message unless it was committed. */
    @Override
    public void close() {
        reception.close();
    }
}
