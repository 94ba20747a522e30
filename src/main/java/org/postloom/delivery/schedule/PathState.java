package org.postloom.delivery.schedule;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Optional;

/**
 * One egress path's state (after Postfix's {@code qmgr_queue.c}): work ready to go, connections
 * open and waiting, the concurrency window of slow start, back-off after the site failed, holds
 * and throttles set by reply rules, and the smooth rates of its limits.
 */
final class PathState<W> {

    /** Postfix's {@code initial_destination_concurrency}: a path starts with this many connections. */
    static final int INITIAL_WINDOW = 5;

    final EgressPath key;
    final Site<W> site;
    final ArrayDeque<W> ready = new ArrayDeque<>();
    /** Connections open and waiting for work; the most recently parked is given work first. */
    final ArrayDeque<Connection<W>> idle = new ArrayDeque<>();
    int connections;
    /** Of those, connections told to hang up that have not closed yet. */
    int closing;
    private PathLimits limits;
    private int window;
    /** Messages carried well since the window last grew: at a window's worth, it grows by one. */
    private int carried;
    private int siteFailures;
    private Instant backoffUntil = Instant.MIN;
    Instant suspendedUntil = Instant.MIN;
    Instant throttledUntil = Instant.MIN;
    private final SharedLimits shared;
    final SharedLimits.Leases leases;
    private SharedLimits.RateGate messages;
    private SharedLimits.RateGate newConnections;
    private SharedLimits.RateGate throttle;
    private Rate throttleRate;
    /** The connections a throttle allows at most while it holds. */
    private int throttleConnections = Integer.MAX_VALUE;

    PathState(EgressPath key, Site<W> site, PathLimits limits, SharedLimits shared) {
        this.key = key;
        this.site = site;
        this.shared = shared;
        this.leases = shared.leases(key);
        limit(limits);
        this.window = Math.min(INITIAL_WINDOW, limits.maxConnections());
    }

    void limit(PathLimits updated) {
        limits = updated;
        messages = updated.messageRate().map(r -> shared.rate("messages:" + key, r)).orElse(null);
        newConnections = updated.connectionRate().map(r -> shared.rate("connections:" + key, r)).orElse(null);
        window = Math.min(window, updated.maxConnections());
    }

    PathLimits limits() {
        return limits;
    }

    /** Until when nothing may start on this path: a rule's or the operator's hold, else the back-off. */
    Instant heldUntil() {
        Instant hold = suspendedUntil.isAfter(site.heldUntil) ? suspendedUntil : site.heldUntil;
        return hold.isAfter(backoffUntil) ? hold : backoffUntil;
    }

    boolean suspended(Instant now) {
        return suspendedUntil.isAfter(now) || site.heldByOperator(now);
    }

    boolean held(Instant now) {
        return heldUntil().isAfter(now);
    }

    /** The message pacer in effect now: a throttle's while it holds, else the configured rate's. */
    private SharedLimits.RateGate messagePacer(Instant now) {
        return throttledUntil.isAfter(now) ? throttle : messages;
    }

    /** The message rate in effect now, for the admin plane: a throttle's while it holds, else the configured one. */
    Optional<Rate> rateNow(Instant now) {
        return throttledUntil.isAfter(now) ? Optional.of(throttleRate) : limits.messageRate();
    }

    /** Whether one more message may go now, by this path's rate and its source's cap. */
    boolean mayCarry(Instant now, SharedLimits.RateGate sourceCap) {
        SharedLimits.RateGate own = messagePacer(now);
        return (own == null || own.allows(now)) && (sourceCap == null || sourceCap.allows(now));
    }

    void carried(Instant now, SharedLimits.RateGate sourceCap) {
        SharedLimits.RateGate own = messagePacer(now);
        if (own != null) own.take(now);
        if (sourceCap != null) sourceCap.take(now);
    }

    /** The connections this path may have now: its maximum, or a throttle's while it holds. */
    int connectionCap(Instant now) {
        return throttledUntil.isAfter(now) ? Math.min(throttleConnections, limits.maxConnections()) : limits.maxConnections();
    }

    /** Whether more connections are open (and not yet told to hang up) than the path may have now. */
    boolean overCap(Instant now) {
        return connections - closing > connectionCap(now);
    }

    /** Slow start: the connections this path may have now, at most its maximum. */
    boolean mayOpen(Instant now) {
        return connections < Math.min(window, connectionCap(now))
                && (newConnections == null || newConnections.allows(now))
                // asked last: a lease in the cluster is taken only when nothing local stops the path
                && leases.mayOpen(limits.maxConnections());
    }

    void opened(Instant now) {
        connections++;
        leases.opened();
        if (newConnections != null) newConnections.take(now);
    }

    /** When a rate next lets this path move, if a rate is what stops it now. */
    Optional<Instant> nextRateSlot(Instant now, SharedLimits.RateGate sourceCap) {
        Instant next = Instant.MIN;
        SharedLimits.RateGate own = messagePacer(now);
        if (own != null && !own.allows(now)) next = own.nextAllowed();
        if (sourceCap != null && !sourceCap.allows(now) && sourceCap.nextAllowed().isAfter(next)) next = sourceCap.nextAllowed();
        if (idle.isEmpty() && newConnections != null && !newConnections.allows(now) && newConnections.nextAllowed().isAfter(next)) {
            next = newConnections.nextAllowed();
        }
        return next.isAfter(now) ? Optional.of(next) : Optional.empty();
    }

    /**
     * A batch of {@code messages} went well: each adds 1/window to the window, Postfix's positive
     * feedback ({@code default_destination_concurrency_positive_feedback = 1/concurrency}), so
     * the window grows by one for each window's worth of mail carried however the mail is
     * batched. Counting each batch as one success made it grow up to max-messages-per-connection
     * times slower, since a connection reports once per batch.
     */
    void succeeded(int messages) {
        siteFailures = 0;
        carried += messages;
        while (carried >= window && window < limits.maxConnections()) {
            carried -= window;
            window++;
        }
        if (window >= limits.maxConnections()) carried = 0;
    }

    /**
     * The site failed: shrink to one connection at once and back off 1, 2, 4 ... times the minimum,
     * jittered, up to the maximum, so a dead site is probed less and less by a single connection.
     */
    void failed(Instant now, Duration min, Duration max, double jitter) {
        window = 1;
        carried = 0;
        // Connections opened before the back-off report one after another: one failure, one step.
        if (backoffUntil.isAfter(now)) return;
        siteFailures++;
        long millis = Math.min(max.toMillis(), min.toMillis() << Math.min(siteFailures - 1, 20));
        backoffUntil = now.plusMillis(Math.round(millis * jitter));
    }

    /** A rule's hold replaces the back-off: when the hold ends, the held mail goes at once. */
    void hold(Instant until) {
        suspendedUntil = until;
        backoffUntil = Instant.MIN;
        window = 1;
        carried = 0;
    }

    /**
     * Lowers the path's rate (and its connections, if the rule says) until {@code until}. A throttle
     * already in effect at that rate keeps its pacer: a rule firing again extends the throttle, it
     * does not grant a fresh burst.
     */
    void throttle(Instant now, Instant until, Rate rate, java.util.Optional<Integer> maxConnections) {
        if (!throttledUntil.isAfter(now) || !rate.equals(throttleRate)) throttle = shared.rate("throttle:" + key, rate);
        throttledUntil = until;
        throttleRate = rate;
        throttleConnections = maxConnections.orElse(Integer.MAX_VALUE);
    }

    /** Lifts the back-off (an operator's retry) and, with {@code holds}, every hold and throttle. */
    void lift(boolean holds) {
        backoffUntil = Instant.MIN;
        if (holds) {
            suspendedUntil = Instant.MIN;
            throttledUntil = Instant.MIN;
        }
    }

    int window() {
        return window;
    }
}
