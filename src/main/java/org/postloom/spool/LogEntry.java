package org.postloom.spool;

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
}
