package org.postloom.auth;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Slows password guessing: each failure from an address doubles the wait before the next
 * refusal (0.5 s, 1 s, 2 s ... up to 16 s); a success clears it. The wait is spent on the
 * session's own virtual thread, so it costs the relay nothing.
 */
public final class FailureThrottle {

    private static final Duration FIRST = Duration.ofMillis(500);
    private static final Duration MAX = Duration.ofSeconds(16);
    /** Enough addresses to remember a campaign, few enough never to matter for memory. */
    private static final int MAX_TRACKED = 100_000;

    private final ConcurrentHashMap<InetAddress, Integer> failures = new ConcurrentHashMap<>();

    Duration failed(InetAddress client) {
        if (failures.size() >= MAX_TRACKED) failures.clear();
        int n = failures.merge(client, 1, Integer::sum);
        long millis = Math.min(MAX.toMillis(), FIRST.toMillis() << Math.min(n - 1, 10));
        return Duration.ofMillis(millis);
    }

    void succeeded(InetAddress client) {
        failures.remove(client);
    }
}
