package org.postloom.cluster;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.postloom.delivery.schedule.Rate;

/**
 * What the gates share: the Redis link and its health, this node, the lease time, the expected
 * number of nodes (for local shares), the cluster's own thread for delayed work, and how to wake
 * the schedule's loop when an answer changes what may go.
 */
final class ClusterContext {

    private final RedisLink link;
    private final RedisHealth health;
    private final String node;
    private final Duration leaseTtl;
    private final int size;
    private final ScheduledExecutorService executor;
    private volatile Runnable wake = () -> {};

    ClusterContext(RedisLink link, RedisHealth health, String node, Duration leaseTtl, int size,
                   ScheduledExecutorService executor) {
        this.link = link;
        this.health = health;
        this.node = node;
        this.leaseTtl = leaseTtl;
        this.size = size;
        this.executor = executor;
    }

    RedisLink link() {
        return link;
    }

    RedisHealth health() {
        return health;
    }

    String node() {
        return node;
    }

    Duration leaseTtl() {
        return leaseTtl;
    }

    /** Nodes expected, {@code postloom.cluster.size}. */
    int size() {
        return size;
    }

    /** This node's share of a connection limit while Redis is away: at least one. */
    int share(int max) {
        return Math.max(1, max / size);
    }

    /** This node's share of a rate while Redis is away: the same count over {@code size} times the period. */
    Rate share(Rate rate) {
        return new Rate(rate.count(), rate.per().multipliedBy(size));
    }

    void later(Runnable task, Duration delay) {
        executor.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    void wakeWith(Runnable wake) {
        this.wake = wake;
    }

    void wake() {
        wake.run();
    }
}
