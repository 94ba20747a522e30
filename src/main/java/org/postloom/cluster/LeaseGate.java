package org.postloom.cluster;

import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.postloom.delivery.schedule.SharedLimits;

/**
 * The connection leases of one egress path in Redis: a sorted set of leases scored by expiry.
 * The schedule opens a connection only on a lease already granted (a spare); asking for one is
 * asynchronous, retried while the path still wants it, and the schedule is woken when it comes.
 * Leases live while their connections do (renewed every third of the lease time) and expire a
 * lease time after their node dies. While Redis is away the path opens at most its share,
 * {@code max / size}, on this node alone. Methods run on the schedule's thread and on Redis's;
 * the monitor guards memory only, never a call.
 */
final class LeaseGate implements SharedLimits.Leases {

    /** How soon a refused lease is asked for again while the path still wants one. */
    private static final Duration RETRY = Duration.ofMillis(100);
    /** A spare nobody asked for within this long goes back (another node may want it). */
    private static final Duration WANTED_FOR = Duration.ofMillis(1500);
    private static final AtomicLong LEASES = new AtomicLong();

    private final String key;
    private final ClusterContext cluster;
    private final ArrayDeque<String> spare = new ArrayDeque<>();
    private final ArrayDeque<String> held = new ArrayDeque<>();
    private int open;
    private int max = 1;
    private boolean acquiring;
    private long wantedAt = Long.MIN_VALUE / 2;
    private volatile int total;

    LeaseGate(String key, ClusterContext cluster) {
        this.key = key;
        this.cluster = cluster;
    }

    @Override
    public synchronized boolean mayOpen(int max) {
        this.max = max;
        if (!cluster.health().up()) return open < cluster.share(max);
        if (!spare.isEmpty()) return true;
        wantedAt = System.nanoTime();
        if (!acquiring) acquire();
        return false;
    }

    @Override
    public synchronized void opened() {
        open++;
        // Opened on a spare, or (Redis away) on this node's share: renewal records the latter.
        held.add(spare.isEmpty() ? newLease() : spare.poll());
    }

    @Override
    public void closed() {
        String lease;
        synchronized (this) {
            open--;
            lease = held.poll();
        }
        if (lease != null) cluster.link().remove(key, lease);
    }

    @Override
    public int total(int local) {
        return cluster.health().up() ? Math.max(total, local) : local;
    }

    private String newLease() {
        return cluster.node() + ":" + LEASES.incrementAndGet();
    }

    /** Called with the monitor held. */
    private void acquire() {
        acquiring = true;
        String lease = newLease();
        cluster.link().<List<Long>>eval(Scripts.ACQUIRE, ScriptOutputType.MULTI, key, lease, Integer.toString(max),
                Long.toString(cluster.leaseTtl().toMillis())).whenComplete((answer, error) -> {
            boolean granted = error == null && answer.get(0) == 1L;
            synchronized (this) {
                acquiring = false;
                if (error == null) total = answer.get(1).intValue();
                if (granted) spare.add(lease);
                else if (error == null && wanted()) cluster.later(this::retry, RETRY);
            }
            // Granted: the schedule may open now. Failed: Redis is away and the local share applies.
            if (granted || error != null) cluster.wake();
        });
    }

    private synchronized void retry() {
        if (spare.isEmpty() && !acquiring && wanted() && cluster.health().up()) acquire();
    }

    private boolean wanted() {
        return System.nanoTime() - wantedAt < WANTED_FOR.toNanos();
    }

    /** Every third of the lease time: give back unwanted spares, renew (or re-record) the rest. */
    void renew() {
        List<String> unwanted = new ArrayList<>();
        List<String> args = new ArrayList<>();
        synchronized (this) {
            if (!wanted()) {
                unwanted.addAll(spare);
                spare.clear();
            }
            args.add(Long.toString(cluster.leaseTtl().toMillis()));
            args.addAll(held);
            args.addAll(spare);
        }
        unwanted.forEach(lease -> cluster.link().remove(key, lease));
        cluster.link().<Long>eval(Scripts.RENEW, ScriptOutputType.INTEGER, key, args.toArray(String[]::new))
                .thenAccept(count -> total = count.intValue());
    }
}
