package org.postloom.inject;

import java.util.function.LongSupplier;
import org.postloom.delivery.schedule.Rate;

/**
 * Where tenants' {@code max-message-rate} buckets are kept: in this node's memory ({@link #local}),
 * or in Redis for all nodes together ({@code org.postloom.cluster}, when {@code postloom.cluster.redis}
 * is set). Either way a bucket holds one period's amount (CONTRACT.md 4: {@code 5/min} admits 5 at
 * once, then one each 12 s) and each message, one per recipient, takes one token.
 */
public interface TenantRates {

    /** The bucket of one tenant's rate. */
    Gate gate(String tenant, Rate rate);

    /** A tenant's bucket. Its methods may be called from many request threads at once. */
    interface Gate {
        /**
         * Takes {@code count} tokens if all are there and returns 0; otherwise takes none and
         * returns the nanoseconds until they will be.
         */
        long take(int count);

        /** Gives back what a request took but did not queue. */
        void giveBack(int count);
    }

    /** Buckets in this node's memory, on the given clock. */
    static TenantRates local(LongSupplier nanoTime) {
        return (tenant, rate) -> new TokenBucket(rate, 1, nanoTime);
    }

    /**
     * This node's share of a rate kept by {@code nodes} nodes while they cannot share it: a bucket
     * of the amount over {@code nodes}, refilled at the rate over {@code nodes}.
     */
    static Gate share(Rate rate, int nodes, LongSupplier nanoTime) {
        return new TokenBucket(rate, nodes, nanoTime);
    }
}
