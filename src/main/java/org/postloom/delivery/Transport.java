package org.postloom.delivery;

import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import org.postloom.delivery.client.Outcome;

/**
 * Carries work items to one destination (the seam between the scheduler and SMTP: the scheduler
 * knows nothing of sockets, the transport nothing of retries). A {@link Session} is one outbound
 * connection, kept open between messages so that many share it.
 */
public interface Transport {

    /** A session to the destination; it connects when it first has something to carry. */
    Session open(NextHop destination);

    /** The relay is stopping: sessions finish the transaction under way and start no other. */
    default void stop() {}

    interface Session extends AutoCloseable {

        /**
         * Attempts one item: one outcome per recipient, in the item's order. Never throws: a failure
         * to reach the destination is an outcome too. Empty after {@link Transport#stop()}: the
         * item was not attempted and stays as the spool has it.
         */
        Optional<List<Outcome>> deliver(WorkItem item);

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

    /** A transport without connections, for tests: each item is one call of {@code deliver}. */
    static Transport of(BiFunction<NextHop, WorkItem, List<Outcome>> deliver) {
        return hop -> new Session() {
            @Override
            public Optional<List<Outcome>> deliver(WorkItem item) {
                return Optional.of(deliver.apply(hop, item));
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
