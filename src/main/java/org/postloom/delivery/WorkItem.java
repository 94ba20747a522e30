package org.postloom.delivery;

import java.util.List;
import org.postloom.delivery.schedule.Routable;
import org.postloom.delivery.schedule.Target;
import org.postloom.mail.QueueId;
import org.postloom.spool.MessageRef;

/**
 * The recipients of one message that share a next hop: they travel in one transaction with
 * several RCPT commands (RFC 5321 3.3). It holds only a {@link MessageRef} (id, arrival, size),
 * so that millions can wait in the schedule; the courier reads the envelope back from the spool
 * when it is about to carry the item (a {@link Parcel}). The schedule sees only where it goes and
 * from which source.
 *
 * @param recipients indexes into the envelope's recipient list
 * @param source     the egress source's name chosen when the message was queued ({@code ""}: none)
 */
public record WorkItem(MessageRef message, List<Integer> recipients, NextHop hop, String source) implements Routable {

    private static final List<Integer> FIRST_ONLY = List.of(0);

    public WorkItem {
        recipients = recipients.equals(FIRST_ONLY) ? FIRST_ONLY : List.copyOf(recipients);
        if (recipients.isEmpty()) throw new IllegalArgumentException("a work item needs recipients");
    }

    public QueueId queueId() {
        return message.queueId();
    }

    /** The same message, hop and source, for fewer recipients (those to try again). */
    WorkItem withRecipients(List<Integer> others) {
        return new WorkItem(message, others, hop, source);
    }

    @Override
    public Target target() {
        return hop.target();
    }
}
