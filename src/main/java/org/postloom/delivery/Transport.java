package org.postloom.delivery;

import java.util.List;
import java.util.function.BiConsumer;

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

    /**
     * As {@link #deliver(NextHop, List)}, and tells {@code afterEach} each item's outcomes as soon
     * as its transaction has ended, before the next one begins: the caller makes them durable
     * there, so a crash repeats at most the transaction under way, not the connection's whole
     * batch. This default tells it only at the end; transports that reuse connections override it.
     */
    default List<List<Outcome>> deliver(NextHop destination, List<WorkItem> items,
                                        BiConsumer<WorkItem, List<Outcome>> afterEach) {
        List<List<Outcome>> outcomes = deliver(destination, items);
        for (int i = 0; i < outcomes.size(); i++) afterEach.accept(items.get(i), outcomes.get(i));
        return outcomes;
    }

    /** The relay is stopping: finish the current transaction, start no other. */
    default void stop() {}
}
