package org.postloom.delivery;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The scheduler's state for one next hop: work ready to go, connections open, and back-off after
 * the site failed. Owned by the scheduler thread alone, so it needs no locks.
 */
final class Destination {

    final NextHop hop;
    private final ArrayDeque<WorkItem> ready = new ArrayDeque<>();
    private final ArrayDeque<IdleCourier> idle = new ArrayDeque<>();

    /** An open connection waiting for work; completing {@code next} wakes it. */
    record IdleCourier(CompletableFuture<List<WorkItem>> next, int budget, Instant since) {}
    private int active;
    private int siteFailures;
    private Instant backoffUntil = Instant.MIN;

    Destination(NextHop hop) {
        this.hop = hop;
    }

    void add(WorkItem item) {
        ready.add(item);
    }

    boolean hasReadyWork() {
        return !ready.isEmpty();
    }

    int active() {
        return active;
    }

    /**
     * Whether another connection may start now. While the site is failing only one probe at a
     * time goes out (ramp down fast, as Postfix's queue manager does), and none during back-off.
     */
    boolean canStart(Instant now, int limit) {
        if (ready.isEmpty() || now.isBefore(backoffUntil)) return false;
        return active < (siteFailures > 0 ? 1 : limit);
    }

    /** Work for a new connection, which counts as active until {@link #released()}. */
    List<WorkItem> takeForNewConnection(int max) {
        active++;
        return take(max);
    }

    /** Work for a connection that is already open and waiting. */
    List<WorkItem> take(int max) {
        List<WorkItem> batch = new ArrayList<>(Math.min(max, ready.size()));
        while (batch.size() < max && !ready.isEmpty()) batch.add(ready.poll());
        return batch;
    }

    /** A connection closed. */
    void released() {
        active--;
    }

    /** A courier waits, connection open, for more work (at most {@code budget} items). */
    IdleCourier parkCourier(CompletableFuture<List<WorkItem>> next, int budget, Instant now) {
        IdleCourier courier = new IdleCourier(next, budget, now);
        idle.add(courier);
        return courier;
    }

    boolean hasIdleCourier() {
        return !idle.isEmpty();
    }

    IdleCourier unparkCourier() {
        return idle.poll();
    }

    /** Takes a waiting courier out so it can hang up; false if it was given work meanwhile. */
    boolean hangUp(IdleCourier courier) {
        return idle.remove(courier);
    }

    /** Records how an attempt went: a failed site is backed off, a working one clears it. */
    void attempted(boolean siteFailed, Instant now, RetryPolicy retry) {
        if (!siteFailed) {
            siteFailures = 0;
            return;
        }
        siteFailures++;
        // 1, 2, 4 ... times the minimum, up to the maximum: a dead site is probed less and less.
        long millis = Math.min(retry.maxBackoff().toMillis(), retry.minBackoff().toMillis() << Math.min(siteFailures - 1, 20));
        backoffUntil = now.plus(Duration.ofMillis(millis));
    }

    Stream<WorkItem> readyItems() {
        return ready.stream();
    }

    int removeIf(Predicate<WorkItem> which) {
        int before = ready.size();
        ready.removeIf(which);
        return before - ready.size();
    }

    /** An operator asked for a retry now: forget the back-off (the next attempt is a probe still). */
    void liftBackoff() {
        backoffUntil = Instant.MIN;
    }

    Instant backoffUntil() {
        return backoffUntil;
    }

    /** Nothing to remember: no work, no connection, and no failing site whose back-off must hold. */
    boolean forgettable() {
        return ready.isEmpty() && active == 0 && idle.isEmpty() && siteFailures == 0;
    }
}
