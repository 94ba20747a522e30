package org.postloom.cluster;

import io.lettuce.core.RedisURI;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.postloom.delivery.schedule.EgressPath;
import org.postloom.delivery.schedule.Rate;
import org.postloom.delivery.schedule.SharedLimits;
import org.postloom.inject.TenantRates;

/**
 * Shaping limits held by all nodes together in one Redis (after KumoMTA's shared throttles and
 * connection leases): connection leases per egress path ({@link LeaseGate}), message and
 * connection rates per path, per source and per throttle as GCRA slots ({@link RateSlots}),
 * tenants' rates ({@link TenantSlots}), and suspensions and throttles told to every node, those
 * that join later too ({@link SharedHolds}). The schedule's thread only reads memory here; Redis
 * is called asynchronously, and one platform thread renews leases and retries.
 */
public final class RedisLimits implements SharedLimits, AutoCloseable {

    private static final System.Logger LOG = System.getLogger("org.postloom.cluster");
    static final String PREFIX = "postloom:";

    /**
     * @param redis    {@code postloom.cluster.redis}, {@code redis://host:port}
     * @param node     {@code postloom.cluster.node}
     * @param leaseTtl {@code postloom.cluster.lease-ttl}
     * @param size     {@code postloom.cluster.size}
     */
    public record Settings(String redis, String node, Duration leaseTtl, int size) {

        /** @throws IllegalArgumentException naming the setting and the value */
        public Settings {
            if (leaseTtl.toMillis() < 300) {
                throw new IllegalArgumentException("postloom.cluster.lease-ttl=" + leaseTtl + " is too short (at least PT0.3S)");
            }
            if (size < 1) throw new IllegalArgumentException("postloom.cluster.size=" + size + " must be at least 1");
            if (node.isBlank() || node.contains("\t")) {
                throw new IllegalArgumentException("postloom.cluster.node='" + node + "' must be a name without tabs");
            }
            uri(redis);
        }

        RedisURI uri() {
            return uri(redis);
        }

        private static RedisURI uri(String redis) {
            try {
                RedisURI uri = RedisURI.create(redis);
                if (!redis.startsWith("redis://") || uri.getHost() == null) throw new IllegalArgumentException("no host");
                return uri;
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("postloom.cluster.redis='" + redis + "' is not redis://host:port");
            }
        }
    }

    private final Settings settings;
    private final ScheduledExecutorService executor;
    private final RedisLink link;
    private final RedisHealth health;
    private final ClusterContext cluster;
    private final Map<EgressPath, LeaseGate> leases = new ConcurrentHashMap<>();
    private final Map<String, RateSlots> rates = new ConcurrentHashMap<>();
    private final Clock clock;
    private final SharedHolds holds;

    private RedisLimits(Settings settings, Clock clock) {
        this.settings = settings;
        this.executor = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("cluster").daemon().factory());
        this.health = new RedisHealth(settings.redis(), settings.size(), clock, () -> executor.execute(this::renewAll));
        // A call slower than this counts as Redis away: the local share decides meanwhile. Within a
        // third of the lease time, so a renewal that times out still leaves time for the next one.
        Duration third = settings.leaseTtl().dividedBy(3);
        Duration timeout = third.compareTo(Duration.ofSeconds(1)) < 0 ? third : Duration.ofSeconds(1);
        this.link = new RedisLink(settings.uri(), timeout, health, executor);
        this.cluster = new ClusterContext(link, health, settings.node(), settings.leaseTtl(), settings.size(), executor);
        this.clock = clock;
        this.holds = new SharedHolds(cluster, clock);
    }

    /** Starts connecting (in the background: a relay starts whether Redis answers or not). */
    public static RedisLimits start(Settings settings, Clock clock) {
        RedisLimits limits = new RedisLimits(settings, clock);
        limits.link.connect(SharedHolds.CHANNEL, limits.holds::heard);
        long renewEvery = settings.leaseTtl().toMillis() / 3;
        limits.executor.scheduleWithFixedDelay(limits::renewAll, renewEvery, renewEvery, TimeUnit.MILLISECONDS);
        LOG.log(System.Logger.Level.INFO, "cluster redis=" + settings.redis() + " node=" + settings.node()
                + " lease-ttl=" + settings.leaseTtl() + " size=" + settings.size());
        return limits;
    }

    /** How to wake the schedule's loop when an answer from Redis lets more go. */
    public void wakeWith(Runnable wake) {
        cluster.wakeWith(wake);
    }

    /** {@code postloom_cluster_redis_up}. */
    public boolean redisUp() {
        return health.up();
    }

    @Override
    public RateGate rate(String key, Rate rate) {
        return rates.computeIfAbsent(key + "@" + rate, k -> new RateSlots(PREFIX + "rate:" + k, rate, cluster));
    }

    @Override
    public Leases leases(EgressPath path) {
        return leases.computeIfAbsent(path, p -> new LeaseGate(PREFIX + "leases:" + p.source() + ":" + p.site(), cluster));
    }

    /** Tenants' rates held by all nodes together (CONTRACT.md 4 and 7). */
    public TenantRates tenantRates() {
        return (tenant, rate) -> new TenantSlots(PREFIX + "tenant:" + tenant + "@" + rate, rate, cluster, clock);
    }

    @Override
    public void announce(Hold hold) {
        holds.announce(hold);
    }

    @Override
    public void onHold(Consumer<Hold> listener) {
        holds.onHold(listener);
    }

    private void renewAll() {
        try {
            if (leases.isEmpty()) link.ping();
            leases.values().forEach(LeaseGate::renew);
            holds.sync(); // the holds set while this node was away from Redis, or before it started
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cluster lease renewal failed", e);
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
        link.close();
    }
}
