package org.postloom.testing;

import java.time.Duration;

/**
 * Bounded polls of a condition, the only way tests wait: never a fixed sleep. Timeouts are
 * generous (the machine may be loaded); a poll returns as soon as its condition holds.
 */
public final class Await {

    /** Long enough for a loaded 2-core machine; a passing test never waits it out. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(20);
    private static final long FIRST_PAUSE_MILLIS = 5;
    private static final long MAX_PAUSE_MILLIS = 50;

    /** A condition that may do I/O to find out; {@code E} is what it may throw. */
    @FunctionalInterface
    public interface Condition<E extends Exception> {
        boolean holds() throws E;
    }

    private Await() {}

    /** Waits until the condition holds; fails naming {@code what} after {@link #DEFAULT_TIMEOUT}. */
    public static <E extends Exception> void until(String what, Condition<E> condition) throws E, InterruptedException {
        until(what, DEFAULT_TIMEOUT, condition);
    }

    public static <E extends Exception> void until(String what, Duration timeout, Condition<E> condition)
            throws E, InterruptedException {
        if (!within(timeout, condition)) throw new AssertionError("timed out after " + timeout + " waiting for " + what);
    }

    /** Whether the condition came to hold within the timeout (for callers that report on their own). */
    public static <E extends Exception> boolean within(Duration timeout, Condition<E> condition)
            throws E, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pause = FIRST_PAUSE_MILLIS;
        while (!condition.holds()) {
            if (System.nanoTime() - deadline > 0) return false;
            Thread.sleep(pause);
            pause = Math.min(pause * 2, MAX_PAUSE_MILLIS);
        }
        return true;
    }

    /**
     * Checks that the condition keeps holding for the whole window (that something does NOT
     * happen), polling it throughout; fails at the first moment it does not.
     */
    public static <E extends Exception> void holds(String what, Duration window, Condition<E> condition)
            throws E, InterruptedException {
        long end = System.nanoTime() + window.toNanos();
        do {
            if (!condition.holds()) throw new AssertionError("no longer true within " + window + ": " + what);
            Thread.sleep(Math.min(MAX_PAUSE_MILLIS / 5, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
        } while (System.nanoTime() - end < 0);
        if (!condition.holds()) throw new AssertionError("no longer true after " + window + ": " + what);
    }
}
