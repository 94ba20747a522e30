package org.postloom.delivery.schedule;

import java.time.Instant;
import java.util.List;

/** A read-only snapshot of one site for the admin plane ({@code GET /sites}). */
public record SiteView(String site, List<String> domains, List<String> mx, List<Path> paths, String lastError) {

    /**
     * One egress path; {@code clusterConnections} counts every node's (this node's alone without a
     * cluster); the {@code _until} instants are null when not in effect; {@code deferred} counts
     * work waiting for a retry; {@code rate} is the message rate in effect (a throttle's while it
     * holds), null for no cap.
     */
    public record Path(String source, int connections, int clusterConnections, int ready, Instant suspendedUntil,
                       Instant throttledUntil, int deferred, String rate) {}
}
