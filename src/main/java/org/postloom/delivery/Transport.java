package org.postloom.delivery;

import java.util.List;

/**
 * Carries work items to one destination, over one connection where it can (the seam between the
 * scheduler and SMTP: the scheduler knows nothing of sockets, the transport nothing of retries).
 */
public interface Transport {

    /**
     * Attempts every item, in order. Returns, for each item, one outcome per recipient in the
     * item's order. Never throws: a failure to reach the destination is an outcome too.
     */
    List<List<Outcome>> deliver(NextHop destination, List<WorkItem> items);
}
