package org.postloom.delivery;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The scheduler's state for one next hop: work ready to go, connections open, and back-off after
 * the site failed. Owned by the scheduler thread alone, so it needs no locks.
 */
final class Destination {

    final NextHop hop;
    private final ArrayDeque<WorkItem> ready = new ArrayDeque<>();
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

    int readyCount() {
        return ready.size();
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

    List<WorkItem> take(int max) {
        List<WorkItem> batch = new ArrayList<>(Math.min(max, ready.size()));
        while (batch.size() < max && !ready.isEmpty()) batch.add(ready.poll());
        active++;
        return batch;
    }

    void finished(boolean siteFailed, Instant now, RetryPolicy retry) {
        active--;
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
    boolean idle() {
        return ready.isEmpty() && active == 0 && siteFailures == 0;
    }
}
