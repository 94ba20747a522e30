package org.postloom.inject;

import java.util.function.LongSupplier;
import org.postloom.delivery.schedule.Rate;

/**
 * A tenant's rate in memory, as a bucket the size of one period's amount (CONTRACT.md 4:
 * {@code 5/min} admits 5 at once, then one each 12 s); or, as a node's share of a rate that
 * {@code nodes} nodes keep alone, the amount over {@code nodes}, refilled that much slower. It is
 * the same as the GCRA the shared buckets run in Redis with a tolerance of the amount less one.
 */
final class TokenBucket implements TenantRates.Gate {

    private final LongSupplier nanoTime;
    private final double capacity;
    private final double tokensPerNano;
    private double tokens;
    private long last;

    TokenBucket(Rate rate, int nodes, LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        this.capacity = (double) rate.count() / nodes;
        this.tokensPerNano = capacity / rate.per().toNanos();
        this.tokens = capacity;
        this.last = nanoTime.getAsLong();
    }

    @Override
    public synchronized long take(int count) {
        refill();
        if (tokens + 1e-9 >= count) {
            tokens -= count;
            return 0;
        }
        return Math.max(1, (long) Math.ceil((count - tokens) / tokensPerNano));
    }

    @Override
    public synchronized void giveBack(int count) {
        refill();
        tokens = Math.min(capacity, tokens + count);
    }

    private void refill() {
        long now = nanoTime.getAsLong();
        tokens = Math.min(capacity, tokens + (now - last) * tokensPerNano);
        last = now;
    }
}
