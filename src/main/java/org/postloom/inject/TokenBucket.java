package org.postloom.inject;

import java.util.function.LongSupplier;

/**
 * A tenant's rate as a bucket the size of one period's amount (CONTRACT.md 4: {@code 5/min}
 * admits 5 at once, then one each 12 s). Each message (one per recipient) takes one token.
 */
final class TokenBucket {

    private final Rate rate;
    private final LongSupplier nanoTime;
    private final double tokensPerNano;
    private double tokens;
    private long last;

    TokenBucket(Rate rate, LongSupplier nanoTime) {
        this.rate = rate;
        this.nanoTime = nanoTime;
        this.tokensPerNano = (double) rate.amount() / rate.period().toNanos();
        this.tokens = rate.amount();
        this.last = nanoTime.getAsLong();
    }

    /**
     * Takes {@code count} tokens if all are there; otherwise takes none and refuses with 429 and
     * the seconds until they will be.
     */
    synchronized void take(int count) throws Refusal {
        refill();
        if (count > rate.amount()) {
            throw Refusal.tooManyRequests("recipients: " + count + " messages are more than max-message-rate "
                    + rate + " ever admits at once", rate.period().toSeconds());
        }
        if (tokens + 1e-9 < count) {
            long waitNanos = (long) Math.ceil((count - tokens) / tokensPerNano);
            throw Refusal.tooManyRequests("recipients: the tenant's max-message-rate " + rate + " is used up",
                    (long) Math.ceil(waitNanos / 1e9));
        }
        tokens -= count;
    }

    /** Gives back what a request took but did not queue. */
    synchronized void giveBack(int count) {
        refill();
        tokens = Math.min(rate.amount(), tokens + count);
    }

    private void refill() {
        long now = nanoTime.getAsLong();
        tokens = Math.min(rate.amount(), tokens + (now - last) * tokensPerNano);
        last = now;
    }
}
