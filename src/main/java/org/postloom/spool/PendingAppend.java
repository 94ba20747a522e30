package org.postloom.spool;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.postloom.mail.QueueId;

/**
 * One record waiting for the writer: its bytes, the entry it stands for, and the completion its
 * producer waits on. The writer completes it only after the batch holding it has been forced.
 *
 * <p>A compaction copy is completed by the writer itself when it writes it ({@link #prepareCopy}):
 * its recipient states must be those of the moment it takes its place in the log, or a state
 * recorded in between would be undone by the copy at the next recovery.
 */
final class PendingAppend {

    /** Where the message to copy lies now, and the checksum of its verbatim payload. */
    record CopySource(QueueId queueId, long segment, long messageOffset, Path file, long messageLength,
                      int messageChecksum, int envelopeLength) { }

    final byte type;
    byte[] prefix;
    final BodyContent body;
    int payloadChecksum;
    LogEntry entry;
    final CopySource copy;
    final CompletableFuture<Void> durable = new CompletableFuture<>();

    /** Tells the writer to finish what is queued before it and stop. */
    static final PendingAppend STOP = new PendingAppend((byte) 0, new byte[0], BodyContent.EMPTY, 0, null, null);

    private PendingAppend(byte type, byte[] prefix, BodyContent body, int payloadChecksum, LogEntry entry,
                          CopySource copy) {
        this.type = type;
        this.prefix = prefix;
        this.body = body;
        this.payloadChecksum = payloadChecksum;
        this.entry = entry;
        this.copy = copy;
    }

    static PendingAppend message(byte[] prefix, BodyContent body, int checksum, LogEntry.MessageQueued entry) {
        return new PendingAppend(Frame.MESSAGE, prefix, body, checksum, entry, null);
    }

    static PendingAppend recipientState(LogEntry.RecipientChanged entry) {
        byte[] payload = EntryCodec.encodeState(entry);
        return new PendingAppend(Frame.RECIPIENT_STATE, payload, BodyContent.EMPTY, Frame.checksum(payload), entry, null);
    }

    static PendingAppend copy(CopySource source) {
        var body = new BodyContent.Region(source.file(), source.messageOffset(), source.messageLength());
        return new PendingAppend(Frame.COPY, new byte[0], body, 0, null, source);
    }

    boolean isCopy() {
        return copy != null;
    }

    /**
     * For a copy, on the writer's thread just before it is written: takes the message's states
     * from the catalog as they stand. Returns false when there is nothing to copy any more (the
     * message became final, or moved), and the copy is to be skipped.
     */
    boolean prepareCopy(Catalog catalog) {
        var stored = catalog.get(copy.queueId());
        if (stored == null || stored.segment() != copy.segment() || stored.messageOffset() != copy.messageOffset()) {
            return false;
        }
        prefix = EntryCodec.copyPrefix(stored.states());
        payloadChecksum = Crc32cConcat.of(Frame.checksum(prefix), copy.messageChecksum(), copy.messageLength());
        entry = new LogEntry.MessageCopied(copy.queueId(), stored.states(), prefix.length, copy.envelopeLength(),
                stored.ref().bodySize(), null);
        return true;
    }

    long payloadLength() {
        return prefix.length + body.size();
    }
}
