package org.postloom.spool;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import org.postloom.mail.DsnRequest;
import org.postloom.mail.Envelope;
import org.postloom.mail.Mailbox;
import org.postloom.mail.QueueId;
import org.postloom.mail.RecipientDsn;
import org.postloom.spool.LogEntry.RecipientChanged;

/**
 * Turns envelopes and recipient states into record payloads and back. Each payload begins with a
 * format version so that a later release can read what this one wrote.
 */
final class EntryCodec {

    private static final byte VERSION = 1;
    /**
     * Envelopes: version 1 ended at {@code tls}; version 2 adds, at the end, the DSN parameters
     * (RFC 3461) and REQUIRETLS (RFC 8689); version 3 adds the tenant after them; version 4 the
     * egress source chosen when the message was queued, after the tenant. All are read.
     */
    private static final byte ENVELOPE_V1 = 1, ENVELOPE_V2 = 2, ENVELOPE_V3 = 3, ENVELOPE_V4 = 4;
    private static final byte PENDING = 0, DELIVERED = 1, DEFERRED = 2, FAILED = 3;
    /** Deferred, and its delay report sent (RFC 3461 DELAY); a new tag, so older records read as before. */
    private static final byte DEFERRED_REPORTED = 4;
    /**
     * States that keep what the sender's report will say ({@link RecipientState.Attempted}), new
     * tags again: a delivery that owes a relayed report, and a deferral and a failure with their
     * particulars. Without particulars the older tags are written, byte for byte as before.
     */
    private static final byte DELIVERED_RELAY_OWED = 5, DEFERRED_ATTEMPTED = 6, FAILED_ATTEMPTED = 7;

    private EntryCodec() { }

    /** The start of a message's payload: the envelope's length, then the envelope. */
    static byte[] messagePrefix(Envelope e) {
        return encode(out -> {
            out.writeInt(0); // patched below, once the length is known
            out.writeByte(ENVELOPE_V4);
            writeString(out, e.queueId().value());
            writeMailbox(out, e.sender());
            out.writeInt(e.recipients().size());
            for (var rcpt : e.recipients()) writeMailbox(out, rcpt);
            out.writeByte(e.body().ordinal());
            out.writeBoolean(e.smtpUtf8());
            out.writeLong(e.arrival().getEpochSecond());
            out.writeInt(e.arrival().getNano());
            writeString(out, e.client());
            writeString(out, e.tls());
            writeDsn(out, e);
            writeString(out, e.tenant());
            writeString(out, e.egressSource());
        }, true);
    }

    /** Reads the envelope from the start of a message's payload (the length already skipped). */
    static Envelope decodeEnvelope(byte[] envelope) throws IOException {
        var in = new DataInputStream(new ByteArrayInputStream(envelope));
        byte version = in.readByte();
        if (version < ENVELOPE_V1 || version > ENVELOPE_V4) throw new IOException("unknown envelope version " + version);
        var id = new QueueId(readString(in));
        var sender = readMailbox(in);
        int count = in.readInt();
        var recipients = new ArrayList<Mailbox>(Math.min(count, 1024));
        for (int i = 0; i < count; i++) recipients.add(readMailbox(in));
        var body = Envelope.BodyType.values()[in.readByte()];
        boolean smtpUtf8 = in.readBoolean();
        var arrival = Instant.ofEpochSecond(in.readLong(), in.readInt());
        String client = readString(in);
        String tls = readString(in);
        if (version == ENVELOPE_V1) return new Envelope(id, sender, recipients, body, smtpUtf8, arrival, client, tls);
        var dsn = new DsnRequest(DsnRequest.Return.values()[in.readByte()], readString(in));
        var recipientDsn = new ArrayList<RecipientDsn>(recipients.size());
        for (int i = 0; i < recipients.size(); i++) recipientDsn.add(readRecipientDsn(in));
        boolean requireTls = in.readBoolean();
        String tenant = version == ENVELOPE_V2 ? "" : readString(in);
        String source = version == ENVELOPE_V4 ? readString(in) : "";
        return new Envelope(id, sender, recipients, body, smtpUtf8, arrival, client, tls, dsn, recipientDsn, requireTls,
                tenant, source);
    }

    private static void writeDsn(DataOutputStream out, Envelope e) throws IOException {
        out.writeByte(e.dsn().ret().ordinal());
        writeString(out, e.dsn().envelopeId());
        for (RecipientDsn r : e.recipientDsn()) {
            int bits = 0;
            for (RecipientDsn.Notify n : r.notifications()) bits |= 1 << n.ordinal();
            out.writeByte(bits);
            writeString(out, r.originalRecipient());
        }
        out.writeBoolean(e.requireTls());
    }

    private static RecipientDsn readRecipientDsn(DataInputStream in) throws IOException {
        int bits = in.readByte();
        var notify = EnumSet.noneOf(RecipientDsn.Notify.class);
        for (RecipientDsn.Notify n : RecipientDsn.Notify.values()) {
            if ((bits & (1 << n.ordinal())) != 0) notify.add(n);
        }
        return new RecipientDsn(notify, readString(in));
    }

    static byte[] encodeState(RecipientChanged change) {
        return encode(out -> {
            out.writeByte(VERSION);
            writeString(out, change.queueId().value());
            out.writeInt(change.recipient());
            writeState(out, change.state());
        }, false);
    }

    static RecipientChanged decodeState(byte[] payload) throws IOException {
        var in = new DataInputStream(new ByteArrayInputStream(payload));
        checkVersion(in);
        var id = new QueueId(readString(in));
        int recipient = in.readInt();
        return new RecipientChanged(id, recipient, readState(in));
    }

    /**
     * The head of a compaction copy: its length, then every recipient's state. The verbatim
     * message payload follows it in the record.
     */
    static byte[] copyPrefix(List<RecipientState> states) {
        return encode(out -> {
            out.writeInt(0); // patched below, once the length is known
            out.writeByte(VERSION);
            out.writeInt(states.size());
            for (var state : states) writeState(out, state);
        }, true);
    }

    /** Reads the states of a compaction copy (its length already skipped). */
    static List<RecipientState> decodeStates(byte[] bytes) throws IOException {
        var in = new DataInputStream(new ByteArrayInputStream(bytes));
        checkVersion(in);
        int count = in.readInt();
        if (count < 0 || count > in.available()) throw new IOException("bad recipient count");
        var states = new ArrayList<RecipientState>(count);
        for (int i = 0; i < count; i++) states.add(readState(in));
        return states;
    }

    private static void writeState(DataOutputStream out, RecipientState state) throws IOException {
        switch (state) {
            case RecipientState.Pending p -> out.writeByte(PENDING);
            case RecipientState.Delivered d when d.relayReport().isPresent() -> {
                out.writeByte(DELIVERED_RELAY_OWED);
                writeString(out, d.reply());
                writeAttempted(out, d.relayReport().get());
            }
            case RecipientState.Delivered d -> out.writeByte(DELIVERED);
            case RecipientState.Deferred d when d.attempted().isPresent() -> {
                out.writeByte(DEFERRED_ATTEMPTED);
                out.writeBoolean(d.delayReported());
                out.writeLong(d.nextAttempt().toEpochMilli());
                writeString(out, d.reply());
                writeAttempted(out, d.attempted().get());
            }
            case RecipientState.Deferred d -> {
                out.writeByte(d.delayReported() ? DEFERRED_REPORTED : DEFERRED);
                out.writeLong(d.nextAttempt().toEpochMilli());
                writeString(out, d.reply());
            }
            case RecipientState.Failed f when f.attempted().isPresent() -> {
                out.writeByte(FAILED_ATTEMPTED);
                writeString(out, f.reply());
                writeAttempted(out, f.attempted().get());
            }
            case RecipientState.Failed f -> {
                out.writeByte(FAILED);
                writeString(out, f.reply());
            }
        }
    }

    private static RecipientState readState(DataInputStream in) throws IOException {
        return switch (in.readByte()) {
            case PENDING -> RecipientState.PENDING;
            case DELIVERED -> RecipientState.DELIVERED;
            case DEFERRED -> new RecipientState.Deferred(Instant.ofEpochMilli(in.readLong()), readString(in));
            case DEFERRED_REPORTED -> new RecipientState.Deferred(Instant.ofEpochMilli(in.readLong()), readString(in), true);
            case FAILED -> new RecipientState.Failed(readString(in));
            case DELIVERED_RELAY_OWED -> new RecipientState.Delivered(readString(in), Optional.of(readAttempted(in)));
            case DEFERRED_ATTEMPTED -> {
                boolean reported = in.readBoolean();
                Instant next = Instant.ofEpochMilli(in.readLong());
                yield new RecipientState.Deferred(next, readString(in), reported, Optional.of(readAttempted(in)));
            }
            case FAILED_ATTEMPTED -> new RecipientState.Failed(readString(in), Optional.of(readAttempted(in)));
            default -> throw new IOException("unknown recipient state");
        };
    }

    private static void writeAttempted(DataOutputStream out, RecipientState.Attempted a) throws IOException {
        writeString(out, a.status());
        writeString(out, a.remoteMta());
        out.writeLong(a.at().toEpochMilli());
    }

    private static RecipientState.Attempted readAttempted(DataInputStream in) throws IOException {
        return new RecipientState.Attempted(readString(in), readString(in), Instant.ofEpochMilli(in.readLong()));
    }

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] encode(Writer writer, boolean lengthPrefixed) {
        var bytes = new ByteArrayOutputStream(256);
        try (var out = new DataOutputStream(bytes)) {
            writer.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        byte[] result = bytes.toByteArray();
        if (lengthPrefixed) {
            ByteBuffer.wrap(result).putInt(result.length - 4);
        }
        return result;
    }

    private static void checkVersion(DataInputStream in) throws IOException {
        byte version = in.readByte();
        if (version != VERSION) throw new IOException("unknown record version " + version);
    }

    private static void writeMailbox(DataOutputStream out, Mailbox m) throws IOException {
        writeString(out, m.localPart());
        writeString(out, m.domain());
    }

    private static Mailbox readMailbox(DataInputStream in) throws IOException {
        return new Mailbox(readString(in), readString(in));
    }

    /** UTF-8 with a 32-bit length: replies and client strings may exceed writeUTF's 64 KiB. */
    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static String readString(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > in.available()) throw new IOException("bad string length");
        return new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }
}
