package org.postloom.delivery;

import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import org.postloom.delivery.client.Outcome;
import org.postloom.tls.TlsResult;

/**
 * Carries parcels (work items with their messages read back) to one destination (the seam between the scheduler and SMTP: the scheduler
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
         * Attempts one item (one SMTP transaction): one outcome per recipient, in the item's order.
         * Never throws: a failure to reach the destination is an outcome too. Empty once
         * {@link Transport#stop()} was called: nothing was tried, the item stays as the spool has it.
         */
        Optional<List<Outcome>> deliver(Parcel item);

        /** Whether the connection is open and fit for more mail. */
        boolean isReusable();

        /** Where the last items went: host, address and TLS, for the log. */
        String via();

        /**
         * The TLS of the last connection or connection attempt: policy (dane, mta-sts, ...),
         * whether the MX was authenticated, and the failure that deferred it, if any.
         */
        default Optional<TlsResult> tls() {
            return Optional.empty();
        }

        /** Where the last item went (its MX host is a report's Remote-MTA); empty if no connection carried it. */
        default Optional<Landing> landing() {
            return Optional.empty();
        }

        /** Says goodbye (QUIT) and closes. */
        @Override
        void close();
    }

    /** A transport without connections, for tests: each item is one call of {@code deliver}. */
    static Transport of(BiFunction<NextHop, Parcel, List<Outcome>> deliver) {
        return (hop, source) -> new Session() {
            @Override
            public Optional<List<Outcome>> deliver(Parcel item) {
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
