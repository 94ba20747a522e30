package org.postloom.delivery.schedule;

import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The limits the schedule asks before it opens a connection or carries a message, and the holds
 * it tells other nodes about. {@link #LOCAL} (this node alone) is the default; the
 * {@code org.postloom.cluster} package shares them among nodes through Redis. Every answer comes
 * from memory at once: an implementation never blocks the schedule's thread, and wakes it (the
 * loop's {@code wake}) when an answer it fetched in the background changes what may go.
 */
public interface SharedLimits {

    /** A smooth rate of events under {@code key} (a path's, a source's); one gate per key and rate. */
    RateGate rate(String key, Rate rate);

    /** The connection leases of one egress path. */
    Leases leases(EgressPath path);

    /** Tells the other nodes, and those that start later, of a hold set here (a rule fired, or an operator's order). */
    void announce(Hold hold);

    /** Holds set on other nodes: from now on, and those still in effect when this node joins (or rejoins) them. */
    void onHold(Consumer<Hold> listener);

    /** Events spaced by a rate; {@link #take} only after {@link #allows} said yes. */
    interface RateGate {
        boolean allows(Instant now);

        void take(Instant now);

        /** When {@link #allows} may say yes; {@link Instant#MAX} when only a wake-up will tell. */
        Instant nextAllowed();
    }

    /** Leases on a path's connections: asked with the path's maximum, told of every open and close. */
    interface Leases {
        /** Whether one more connection may open now, with {@code max} at once over all nodes. */
        boolean mayOpen(int max);

        void opened();

        void closed();

        /** Connections open on the path over all nodes, {@code local} being this node's. */
        int total(int local);
    }

    /**
     * A hold on a site: on one source's path ({@code source} non-null: a reply rule fired) or on
     * all of them (an operator's), until {@code until}; {@link Instant#MIN} lifts the operator's
     * hold. A suspension, or with {@code throttle} a throttle (rules only).
     */
    record Hold(String site, String source, Instant until, Optional<Throttle> throttle) {

        public static Hold suspension(String site, String source, Instant until) {
            return new Hold(site, source, until, Optional.empty());
        }
    }

    /** A throttle rule's message rate, and its connections at most (empty: the path's own). */
    record Throttle(Rate rate, Optional<Integer> connections) {}

    /** One node: GCRA pacers in memory, no leases beyond the path's own count, no one to tell. */
    SharedLimits LOCAL = new SharedLimits() {
        private static final Leases UNSHARED = new Leases() {
            @Override
            public boolean mayOpen(int max) {
                return true;
            }

            @Override
            public void opened() {
            }

            @Override
            public void closed() {
            }

            @Override
            public int total(int local) {
                return local;
            }
        };

        @Override
        public RateGate rate(String key, Rate rate) {
            return new Pacer(rate);
        }

        @Override
        public Leases leases(EgressPath path) {
            return UNSHARED;
        }

        @Override
        public void announce(Hold hold) {
        }

        @Override
        public void onHold(Consumer<Hold> listener) {
        }
    };
}
