package org.postloom.cluster;

import io.lettuce.core.ScriptOutputType;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import org.postloom.delivery.schedule.Rate;
import org.postloom.inject.TenantRates;

/**
 * A tenant's {@code max-message-rate} held by all nodes together: the GCRA of {@link Scripts#RESERVE}
 * with a tolerance of the amount less one interval, which is the contract's bucket of one period's
 * amount, taking all of a request's tokens or none in one round trip (a request already waits for
 * its fsync; a few hundred microseconds more do not matter). While Redis is away, or when it does
 * not answer within the link's timeout, this node's share of the rate decides alone.
 */
final class TenantSlots implements TenantRates.Gate {

    private final String key;
    private final ClusterContext cluster;
    private final Clock clock;
    private final TenantRates.Gate alone;
    private final long intervalMicros;
    private final long toleranceMicros;

    TenantSlots(String key, Rate rate, ClusterContext cluster, Clock clock) {
        this.key = key;
        this.cluster = cluster;
        this.clock = clock;
        this.alone = TenantRates.share(rate, cluster.size(), System::nanoTime);
        this.intervalMicros = Math.max(1, rate.intervalNanos() / 1000);
        this.toleranceMicros = (rate.count() - 1) * intervalMicros;
    }

    @Override
    public long take(int count) {
        if (!cluster.health().up()) return alone.take(count);
        List<Long> answer;
        try {
            answer = cluster.link().<List<Long>>eval(Scripts.RESERVE, ScriptOutputType.MULTI, key, Long.toString(intervalMicros),
                    Long.toString(toleranceMicros), Integer.toString(count), "0", "1").toCompletableFuture().join();
        } catch (CompletionException | CancellationException e) {
            return alone.take(count); // RedisHealth has heard of it
        }
        if (answer.size() == count + 1) return 0;
        Instant now = clock.instant();
        long nowMicros = now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
        return Math.max(1, (answer.getFirst() - nowMicros) * 1000);
    }

    @Override
    public void giveBack(int count) {
        if (!cluster.health().up()) {
            alone.giveBack(count);
            return;
        }
        cluster.link().eval(Scripts.GIVE_BACK, ScriptOutputType.INTEGER, key, Long.toString(intervalMicros), Integer.toString(count));
    }
}
