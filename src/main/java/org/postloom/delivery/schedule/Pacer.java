package org.postloom.delivery.schedule;

import java.time.Instant;

/**
 * A smooth rate limit: the generic cell rate algorithm (GCRA, ITU-T I.371), a token bucket kept
 * as one "theoretical arrival time". Events are spaced by the rate's interval; a burst of at most
 * a twentieth of a second's worth (at least one) may go at once, so no second sees more than the
 * rate plus 5 %, where a bucket refilled each second would allow twice the rate. The burst is
 * also what a loop that wakes late (a busy machine) can catch up: less, and the rate is not met.
 */
final class Pacer implements SharedLimits.RateGate {

    private final long interval;
    private final long tolerance;
    /** Nanoseconds since the epoch at which the next event is due if events came evenly. */
    private long theoreticalArrival;

    Pacer(Rate rate) {
        this.interval = rate.intervalNanos();
        this.tolerance = rate.toleranceNanos();
    }

    /** Whether one event may happen now. */
    @Override
    public boolean allows(Instant now) {
        return nanos(now) >= theoreticalArrival - tolerance;
    }

    /** Counts one event at {@code now}; call only when {@link #allows} said yes. */
    @Override
    public void take(Instant now) {
        theoreticalArrival = Math.max(theoreticalArrival, nanos(now)) + interval;
    }

    /** The earliest instant at which {@link #allows} says yes. */
    @Override
    public Instant nextAllowed() {
        return Instant.ofEpochSecond(0, theoreticalArrival - tolerance);
    }

    private static long nanos(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }
}
