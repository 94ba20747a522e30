package org.postloom.inject;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.postloom.delivery.schedule.Rate;

/** A tenant's bucket in memory: one period's amount at once, and a node's share while nodes cannot share it. */
class TokenBucketTest {

    private final AtomicLong nanos = new AtomicLong();

    @Test
    void aBucketAdmitsOnePeriodsAmountAtOnceThenOneEachInterval() {
        var bucket = TenantRates.local(nanos::get).gate("t", Rate.parse("5/min"));
        assertThat(bucket.take(5)).isZero();
        assertThat(bucket.take(1)).as("nanoseconds until the next token, 12 s").isBetween(11_999_000_000L, 12_001_000_000L);
        nanos.addAndGet(12_000_000_000L);
        assertThat(bucket.take(1)).isZero();
        bucket.giveBack(1);
        assertThat(bucket.take(1)).as("given back").isZero();
    }

    @Test
    void aNodesShareIsTheAmountOverTheNodesRefilledThatMuchSlower() {
        var share = TenantRates.share(Rate.parse("6/min"), 2, nanos::get);
        assertThat(share.take(3)).isZero();
        assertThat(share.take(1)).as("one token at 3/min: 20 s").isBetween(19_999_000_000L, 20_001_000_000L);
        nanos.addAndGet(20_000_000_000L);
        assertThat(share.take(1)).isZero();
        share.giveBack(10);
        assertThat(share.take(4)).as("never more than its 3 at once").isPositive();
        assertThat(share.take(3)).isZero();
    }
}
