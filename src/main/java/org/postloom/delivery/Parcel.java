package org.postloom.delivery;

import java.util.List;
import org.postloom.spool.MessageRef;
import org.postloom.spool.SpooledMessage;

/**
 * What a courier carries: a {@link WorkItem} with its message read back from the spool (envelope
 * and recipient states) just before it is sent. It lives for one transaction only; the schedule
 * keeps the small work item.
 */
public record Parcel(WorkItem item, SpooledMessage message) {

    /** A parcel for a message already read back, going to {@code hop} with no egress source. */
    public static Parcel of(SpooledMessage message, List<Integer> recipients, NextHop hop) {
        var ref = new MessageRef(message.queueId(), message.envelope().arrival().toEpochMilli(), message.bodySize());
        return new Parcel(new WorkItem(ref, recipients, hop, ""), message);
    }

    /** Indexes into the envelope's recipient list, as in the work item. */
    public List<Integer> recipients() {
        return item.recipients();
    }
}
