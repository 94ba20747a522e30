package org.postloom.delivery;

import java.util.List;
import org.postloom.spool.SpooledMessage;

/**
 * The recipients of one message that share a destination: they travel in one transaction with
 * several RCPT commands (RFC 5321 3.3).
 *
 * @param recipients indexes into the envelope's recipient list
 */
public record WorkItem(SpooledMessage message, List<Integer> recipients) {
    public WorkItem {
        recipients = List.copyOf(recipients);
        if (recipients.isEmpty()) throw new IllegalArgumentException("a work item needs recipients");
    }
}
