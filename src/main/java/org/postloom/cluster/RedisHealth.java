package org.postloom.cluster;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Whether Redis answers: every call's outcome comes here. While it does not, each node applies
 * its share of every limit alone; an operator hears of it once a minute, not once per call, and
 * sees {@code postloom_cluster_redis_up}.
 */
final class RedisHealth {

    private static final System.Logger LOG = System.getLogger("org.postloom.cluster");
    private static final Duration WARN_EVERY = Duration.ofMinutes(1);

    private final String redis;
    private final int size;
    private final Clock clock;
    private final Runnable onUp;
    private volatile boolean up;
    private Instant lastWarning = Instant.MIN;

    /** @param onUp run (on a Redis thread) each time Redis answers again after it did not */
    RedisHealth(String redis, int size, Clock clock, Runnable onUp) {
        this.redis = redis;
        this.size = size;
        this.clock = clock;
        this.onUp = onUp;
    }

    boolean up() {
        return up;
    }

    void succeeded() {
        if (up) return;
        synchronized (this) {
            if (up) return;
            up = true;
        }
        LOG.log(System.Logger.Level.INFO, "cluster-redis-up redis=" + redis + ": limits are shared again");
        onUp.run();
    }

    void failed(Throwable error) {
        Instant now = clock.instant();
        boolean warn;
        synchronized (this) {
            up = false;
            warn = !now.isBefore(lastWarning.plus(WARN_EVERY));
            if (warn) lastWarning = now;
        }
        if (warn) {
            LOG.log(System.Logger.Level.WARNING, "cluster-redis-down redis=" + redis + " error=\"" + message(error)
                    + "\": each node applies 1/" + size + " of every limit alone until Redis answers");
        }
    }

    private static String message(Throwable error) {
        Throwable cause = error.getCause() != null && error.getMessage() == null ? error.getCause() : error;
        return (cause.getClass().getSimpleName() + ": " + cause.getMessage()).replace('"', '\'');
    }
}
