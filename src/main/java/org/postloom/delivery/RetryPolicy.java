package org.postloom.delivery;

import java.time.Duration;
import java.time.Instant;
import java.util.random.RandomGenerator;

/**
 * When to try a deferred recipient again. As in Postfix, the wait is the message's age clamped
 * between a minimum and a maximum: that doubles the interval at each try (1, 2, 4 ... minutes)
 * without storing a count, and survives restarts. Jitter spreads retries of mail that was
 * deferred together, so a recovering destination is not hit by all of it at once. The bounds come
 * from the configuration ({@code postloom.delivery.*-backoff}, {@code max-queue-lifetime}).
 */
public record RetryPolicy(Duration minBackoff, Duration maxBackoff, Duration maxLifetime, double jitter) {

    public RetryPolicy {
        if (minBackoff.isNegative() || maxBackoff.compareTo(minBackoff) < 0) {
            throw new IllegalArgumentException("need 0 <= min-backoff <= max-backoff");
        }
        if (jitter < 0 || jitter >= 1) throw new IllegalArgumentException("jitter must be in [0, 1)");
    }

    /** Retries of mail deferred together spread over +-20% of the wait. */
    public static final double JITTER = 0.2;

    /** Whether the message has been queued too long to try again (then it bounces). */
    public boolean expired(Instant arrival, Instant now) {
        return Duration.between(arrival, now).compareTo(maxLifetime) >= 0;
    }

    public Instant nextAttempt(Instant arrival, Instant now, RandomGenerator random) {
        Duration age = Duration.between(arrival, now);
        Duration wait = age.compareTo(minBackoff) < 0 ? minBackoff : age.compareTo(maxBackoff) > 0 ? maxBackoff : age;
        double factor = 1 + jitter * (2 * random.nextDouble() - 1);
        return now.plusMillis(Math.round(wait.toMillis() * factor));
    }
}
