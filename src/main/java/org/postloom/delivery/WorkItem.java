package org.postloom.delivery;

import java.util.List;
import org.postloom.spool.MessageRef;

/**
 * The recipients of one message that share a destination: they travel in one transaction with
 * several RCPT commands (RFC 5321 3.3). It holds only a {@link MessageRef} (id, arrival, size),
 * so that millions can wait in the schedule; the courier reads the envelope back from the spool
 * when it is about to carry the item (a {@link Parcel}).
 *
 * @param recipients indexes into the envelope's recipient list
 */
public record WorkItem(MessageRef message, List<Integer> recipients) {

    private static final List<Integer> FIRST_ONLY = List.of(0);

    public WorkItem {
        recipients = recipients.equals(FIRST_ONLY) ? FIRST_ONLY : List.copyOf(recipients);
        if (recipients.isEmpty()) throw new IllegalArgumentException("a work item needs recipients");
    }
}
