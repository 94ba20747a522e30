package org.postloom.cluster;

import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import org.postloom.delivery.schedule.Rate;
import org.postloom.delivery.schedule.SharedLimits;

/**
 * A rate shared by all nodes: one GCRA in Redis (the same spacing and burst as the local pacer),
 * from which this node reserves a few slots at a time, about a tenth of a second's worth, in one
 * round trip ({@link Scripts#RESERVE}). The schedule spends reserved slots from memory and is
 * woken when new ones arrive; Redis is asked again when they run low. While Redis is away, a
 * local pacer at this node's share of the rate decides. Methods run on the schedule's thread and
 * on Redis's; the monitor guards memory only.
 */
final class RateSlots implements SharedLimits.RateGate {

    private static final Duration BATCH = Duration.ofMillis(100);
    private static final int MAX_BATCH = 50;
    private static final Duration LATE = Duration.ofMillis(50);

    private final String key;
    private final ClusterContext cluster;
    private final SharedLimits.RateGate alone;
    private final long intervalMicros;
    private final long toleranceMicros;
    private final int batch;
    private final long horizonMicros;
    private final ArrayDeque<Instant> slots = new ArrayDeque<>();
    private boolean reserving;
    private Instant askAgainAt = Instant.MIN;

    RateSlots(String key, Rate rate, ClusterContext cluster) {
        this.key = key;
        this.cluster = cluster;
        this.alone = SharedLimits.LOCAL.rate(key, cluster.share(rate));
        this.intervalMicros = Math.max(1, rate.intervalNanos() / 1000);
        this.toleranceMicros = rate.toleranceNanos() / 1000; // the same burst as the local pacer's
        this.batch = (int) Math.max(1, Math.min(MAX_BATCH, Math.ceil(rate.perSecond() * BATCH.toNanos() / 1e9)));
        this.horizonMicros = Math.max(BATCH.toNanos() / 1000, intervalMicros);
    }

    @Override
    public synchronized boolean allows(Instant now) {
        if (!cluster.health().up()) return alone.allows(now);
        // A slot may be spent a little late (a loop on a busy machine wakes late), up to a
        // twentieth of a second or one interval; older ones are gone, or a pile of them would be a burst.
        Instant stale = now.minusNanos(Math.max(LATE.toNanos(), intervalMicros * 1000));
        while (!slots.isEmpty() && slots.peek().isBefore(stale)) slots.poll();
        if (slots.size() <= batch / 2 && !reserving && !now.isBefore(askAgainAt)) reserve();
        Instant next = slots.peek();
        return next != null && !next.isAfter(now);
    }

    @Override
    public synchronized void take(Instant now) {
        if (!cluster.health().up()) alone.take(now);
        else slots.poll();
    }

    @Override
    public synchronized Instant nextAllowed() {
        if (!cluster.health().up()) return alone.nextAllowed();
        Instant next = slots.peek();
        if (next != null) return next;
        return reserving ? Instant.MAX : askAgainAt;
    }

    private static Instant micros(long sinceEpoch) {
        return Instant.ofEpochSecond(sinceEpoch / 1_000_000, sinceEpoch % 1_000_000 * 1000);
    }

    /** Called with the monitor held. */
    private void reserve() {
        reserving = true;
        cluster.link().<List<Long>>eval(Scripts.RESERVE, ScriptOutputType.MULTI, key, Long.toString(intervalMicros),
                Long.toString(toleranceMicros), Integer.toString(batch), Long.toString(horizonMicros))
                .whenComplete((answer, error) -> {
                    // Instants of Redis's clock: an answer that came late has fewer slots left to spend,
                    // rather than slots moved later onto another node's.
                    synchronized (this) {
                        reserving = false;
                        if (error == null) {
                            askAgainAt = micros(answer.get(0));
                            for (int i = 1; i < answer.size(); i++) slots.add(micros(answer.get(i)));
                        }
                    }
                    cluster.wake();
                });
    }
}
