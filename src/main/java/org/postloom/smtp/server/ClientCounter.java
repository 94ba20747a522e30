package org.postloom.smtp.server;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;

/** Open sessions per client address; an address leaves the map when its last session ends. */
final class ClientCounter {

    private final ConcurrentHashMap<InetAddress, Integer> open = new ConcurrentHashMap<>();

    /** Counts one more session for the address unless it already has {@code limit}. */
    boolean tryAcquire(InetAddress client, int limit) {
        boolean[] granted = {false};
        open.compute(client, (address, n) -> {
            int now = n == null ? 0 : n;
            if (now >= limit) return now;
            granted[0] = true;
            return now + 1;
        });
        return granted[0];
    }

    void release(InetAddress client) {
        open.computeIfPresent(client, (address, n) -> n <= 1 ? null : n - 1);
    }
}
