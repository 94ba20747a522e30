package org.postloom.spool;

import java.util.List;
import org.postloom.mail.Envelope;
import org.postloom.mail.QueueId;

/**
 * What one record of the log means. The writer applies an entry to the {@link Catalog} once it is
 * durable, and recovery applies the same entries as it reads them back: one code path for both.
 */
sealed interface LogEntry {

    /**
     * A message was queued.
     *
     * @param bodyStart where the body begins, counted from the start of the record's payload
     */
    record MessageQueued(Envelope envelope, int bodyStart, long bodySize) implements LogEntry { }

    /** A recipient of an earlier message changed state. */
    record RecipientChanged(QueueId queueId, int recipient, RecipientState state) implements LogEntry { }

    /**
     * Compaction rewrote a live message out of an older segment: its stored bytes verbatim, and
     * the states its recipients had when the copy was written.
     *
     * @param envelope       the envelope, when read back by recovery; null when the writer applies
     *                       its own copy (it never decodes what it copies)
     * @param messageStart   where the verbatim message payload begins, counted from the start of
     *                       the record's payload
     * @param envelopeLength the length of the envelope inside the message payload
     */
    record MessageCopied(QueueId queueId, List<RecipientState> states, int messageStart, int envelopeLength,
                         long bodySize, Envelope envelope) implements LogEntry { }

    /** Another part's bytes that rode in a commit ({@link CommitRider}); nothing to the catalog. */
    record Ridden(byte[] payload) implements LogEntry { }
}
