package org.postloom.spool;

import java.util.concurrent.CompletableFuture;

/**
 * One record waiting for the writer: its bytes, the entry it stands for, and the completion its
 * producer waits on. The writer completes it only after the batch holding it has been forced.
 */
final class PendingAppend {

    final byte type;
    final byte[] prefix;
    final BodyContent body;
    final int payloadChecksum;
    final LogEntry entry;
    final CompletableFuture<Void> durable = new CompletableFuture<>();

    /** Tells the writer to finish what is queued before it and stop. */
    static final PendingAppend STOP = new PendingAppend((byte) 0, new byte[0], BodyContent.EMPTY, 0, null);

    private PendingAppend(byte type, byte[] prefix, BodyContent body, int payloadChecksum, LogEntry entry) {
        this.type = type;
        this.prefix = prefix;
        this.body = body;
        this.payloadChecksum = payloadChecksum;
        this.entry = entry;
    }

    static PendingAppend message(byte[] prefix, BodyContent body, int checksum, LogEntry.MessageQueued entry) {
        return new PendingAppend(Frame.MESSAGE, prefix, body, checksum, entry);
    }

    static PendingAppend recipientState(LogEntry.RecipientChanged entry) {
        byte[] payload = EntryCodec.encodeState(entry);
        return new PendingAppend(Frame.RECIPIENT_STATE, payload, BodyContent.EMPTY, Frame.checksum(payload), entry);
    }

    long payloadLength() {
        return prefix.length + body.size();
    }
}
