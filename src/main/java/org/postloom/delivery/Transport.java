package org.postloom.delivery;

import java.util.List;
import java.util.function.BiFunction;
import org.postloom.delivery.client.Outcome;

/**
 * Carries work items to one destination (the seam between the scheduler and SMTP: the scheduler
 * knows nothing of sockets, the transport nothing of retries). A {@link Session} is one outbound
 * connection, kept open between batches so that many messages share it.
 */
public interface Transport {

    /**
     * A session to the destination from an egress source (bound to its address, saying its EHLO
     * name); it connects when it first has something to carry.
     */
    Session open(NextHop destination, EgressSource source);

    /** The relay is stopping: sessions finish the transaction under way and start no other. */
    default void stop() {}

    interface Session extends AutoCloseable {

        /**
         * Attempts the items in order. Returns, for each item attempted, one outcome per recipient
         * in the item's order. Never throws: a failure to reach the destination is an outcome too.
         * After {@link Transport#stop()} it returns outcomes for the items attempted so far only;
         * the rest stay as the spool has them.
         */
        List<List<Outcome>> deliver(List<WorkItem> items);

        /** Whether the connection is open and fit for more mail. */
        boolean isReusable();

        /** Where the last items went: host, address and TLS, for the log. */
        String via();

        /** The host name of the server the last items went to (a report's Remote-MTA); empty if none. */
        default String remoteMta() {
            return "";
        }

        /** Says goodbye (QUIT) and closes. */
        @Override
        void close();
    }

    /** A transport without connections, for tests: each batch is one call of {@code deliver}. */
    static Transport of(BiFunction<NextHop, List<WorkItem>, List<List<Outcome>>> deliver) {
        return (hop, source) -> new Session() {
            @Override
            public List<List<Outcome>> deliver(List<WorkItem> items) {
                return deliver.apply(hop, items);
            }

            @Override
            public boolean isReusable() {
                return true;
            }

            @Override
            public String via() {
                return hop.toString();
            }

            @Override
            public void close() {}
        };
    }
}
