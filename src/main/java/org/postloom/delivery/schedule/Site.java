package org.postloom.delivery.schedule;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A site: the set of MX host names that some recipient domains share (preferences aside), or a
 * static route's {@code host:port}. It holds one {@link PathState} per egress source that has
 * sent to it, and an operator's hold over all of them. Owned by the schedule's thread.
 */
final class Site<W> {

    final String name;
    private List<String> mx;
    /** The domain (or route) the couriers resolve to reach the site's hosts; any of its domains will do. */
    Target via;
    private final Set<String> domains = new TreeSet<>();
    private final Map<String, PathState<W>> paths = new LinkedHashMap<>();
    private PathLimits limits;
    private final SharedLimits shared;
    /** Set by {@code POST /sites/{site}/suspend}; lifted by resume. */
    Instant heldUntil = Instant.MIN;
    String lastError;

    Site(String name, List<String> mx, Target via, ShapingPolicy policy, SharedLimits shared) {
        this.shared = shared;
        this.name = name;
        this.mx = List.copyOf(mx);
        this.via = via;
        this.limits = policy.limitsFor(this);
    }

    List<String> mx() {
        return mx;
    }

    String name() {
        return name;
    }

    boolean hasDomain(String domain) {
        return domains.contains(domain) || name.equals(domain);
    }

    Set<String> domains() {
        return domains;
    }

    /** A domain's MX set turned out to be this site's: its limits may now match more entries. */
    void join(String domain, List<String> currentMx, ShapingPolicy policy) {
        mx = List.copyOf(currentMx);
        if (domains.add(domain)) relimit(policy);
    }

    /** A domain moved to another site; if couriers found this site's hosts through it, another domain serves. */
    void leave(String domain, ShapingPolicy policy) {
        if (!domains.remove(domain)) return;
        if (via.name().equals(domain) && !domains.isEmpty()) via = new Target(domains.iterator().next(), true);
        relimit(policy);
    }

    private void relimit(ShapingPolicy policy) {
        PathLimits updated = policy.limitsFor(this);
        if (updated.equals(limits)) return;
        limits = updated;
        paths.values().forEach(p -> p.limit(updated));
    }

    PathState<W> path(String source) {
        return paths.computeIfAbsent(source, s -> new PathState<>(new EgressPath(s, name), this, limits, shared));
    }

    Collection<PathState<W>> paths() {
        return new ArrayList<>(paths.values());
    }

    boolean heldByOperator(Instant now) {
        return heldUntil.isAfter(now);
    }
}
