package org.postloom.delivery;

import java.util.List;

/**
 * Carries work items to one destination, over one connection where it can (the seam between the
 * scheduler and SMTP: the scheduler knows nothing of sockets, the transport nothing of retries).
 */
public interface Transport {

    /**
     * Attempts the items in order. Returns, for each item attempted, one outcome per recipient in
     * the item's order. Never throws: a failure to reach the destination is an outcome too. After
     * {@link #stop()} it ends after the transaction under way and returns outcomes for the items
     * attempted so far only; the rest stay as the spool has them.
     */
    List<List<Outcome>> deliver(NextHop destination, List<WorkItem> items);

    /** The relay is stopping: finish the current transaction, start no other. */
    default void stop() {}
}
