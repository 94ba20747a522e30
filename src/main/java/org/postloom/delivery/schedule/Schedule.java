package org.postloom.delivery.schedule;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * The delivery schedule as pure state (after Postfix's queue manager, and KumoMTA's split of
 * scheduled from ready queues): work items, which it treats as opaque {@link Routable}s, wait
 * deferred in time order, or for their domain's site to be known, or ready on their egress path;
 * {@link #tick} returns what to do now within every limit, and {@link #nextWake} when to look
 * again. Inputs come as calls ({@link #queue}, {@link #resolved}, {@link #report}); no threads, no
 * clock, no I/O here, so every rule is tested with instants chosen by the test.
 */
public final class Schedule<W extends Routable> {

    /** How long an open connection waits for more mail for its path before it hangs up. */
    static final Duration IDLE_CONNECTION = Duration.ofSeconds(2);

    private record Deferred<W>(Instant due, long order, W item) {}

    /** Which site a domain's mail goes to, until when that is believed, and whether it is being looked up. */
    private static final class DomainSite {
        String site;
        Instant refreshAt;
        boolean resolving;
    }

    private final ShapingPolicy policy;
    private final Duration minBackoff;
    private final Duration maxBackoff;
    private final RandomGenerator random;

    private final Map<String, Site<W>> sites = new HashMap<>();
    private final Map<String, DomainSite> domains = new HashMap<>();
    private final Map<String, List<W>> unresolved = new HashMap<>();
    private final PriorityQueue<Deferred<W>> deferred = new PriorityQueue<>(
            Comparator.comparing((Deferred<W> d) -> d.due()).thenComparingLong(Deferred::order));
    private final Set<PathState<W>> withReadyWork = new LinkedHashSet<>();
    private final Map<String, SharedLimits.RateGate> sourceCaps = new HashMap<>();
    private final SharedLimits shared;
    private final Map<Long, Connection<W>> connections = new HashMap<>();
    /** Waiting connections in the order they began to wait; stale entries are skipped. */
    private final ArrayDeque<Connection<W>> waiting = new ArrayDeque<>();
    private final List<Action<W>> pending = new ArrayList<>();
    /** Operators' holds on sites or domains not seen yet: they apply once mail for them appears. */
    private final Map<String, Instant> namedHolds = new HashMap<>();
    /** Rules' holds from other nodes on paths of sites not seen here yet: they apply once mail for them appears. */
    private final Map<String, List<SharedLimits.Hold>> pathHolds = new HashMap<>();
    private long order;
    private long nextConnection = 1;

    public Schedule(ShapingPolicy policy, Duration minBackoff, Duration maxBackoff, RandomGenerator random) {
        this(policy, minBackoff, maxBackoff, random, SharedLimits.LOCAL);
    }

    /** With limits shared among nodes ({@link SharedLimits#LOCAL}: this node alone). */
    public Schedule(ShapingPolicy policy, Duration minBackoff, Duration maxBackoff, RandomGenerator random,
                    SharedLimits shared) {
        this.shared = shared;
        this.policy = policy;
        this.minBackoff = minBackoff;
        this.maxBackoff = maxBackoff;
        this.random = random;
        policy.sourceCaps().forEach((source, rate) -> sourceCaps.put(source, shared.rate("source:" + source, rate)));
    }

    /** New or recovered work: ready now, or deferred until {@code due}. */
    public void queue(W item, Instant due, Instant now) {
        if (due.isAfter(now)) deferred.add(new Deferred<>(due, order++, item));
        else route(item, now);
    }

    private void route(W item, Instant now) {
        Target target = item.target();
        if (!target.viaMx()) {
            ready(site(target.name(), List.of(), target), item);
            return;
        }
        DomainSite known = domains.computeIfAbsent(target.name(), d -> new DomainSite());
        if (known.site == null || !known.resolving && !now.isBefore(known.refreshAt)) lookUp(target.name(), known);
        if (known.site == null) unresolved.computeIfAbsent(target.name(), d -> new ArrayList<>()).add(item);
        else ready(sites.get(known.site), item);
    }

    private void lookUp(String domain, DomainSite known) {
        if (known.resolving) return;
        known.resolving = true;
        pending.add(new Action.Resolve<>(domain));
    }

    private void ready(Site<W> site, W item) {
        PathState<W> path = site.path(item.source());
        path.ready.add(item);
        withReadyWork.add(path);
    }

    /**
     * The answer to a {@link Action.Resolve}: the domain's site is {@code site} (its MX host names,
     * or the domain itself when DNS gave no hosts) until {@code refreshAt}.
     */
    public void resolved(String domain, String site, List<String> mx, Instant refreshAt, Instant now) {
        DomainSite known = domains.computeIfAbsent(domain, d -> new DomainSite());
        if (known.site != null && !known.site.equals(site)) sites.get(known.site).leave(domain, policy);
        Site<W> s = site(site, mx, new Target(domain, true));
        s.join(domain, mx, policy);
        Instant named = namedHolds.get(domain);
        if (named != null && named.isAfter(s.heldUntil)) s.heldUntil = named;
        known.site = site;
        known.refreshAt = refreshAt;
        known.resolving = false;
        List<W> waitingForSite = unresolved.remove(domain);
        if (waitingForSite != null) waitingForSite.forEach(item -> ready(s, item));
    }

    private Site<W> site(String name, List<String> mx, Target via) {
        return sites.computeIfAbsent(name, n -> {
            Site<W> created = new Site<>(n, mx, via, policy, shared);
            created.heldUntil = namedHolds.getOrDefault(n, Instant.MIN);
            Optional.ofNullable(pathHolds.remove(n)).ifPresent(holds -> holds.forEach(hold -> holdPath(created, hold)));
            return created;
        });
    }

    /** Everything to do now; call again at {@link #nextWake} or when an input arrives. */
    public List<Action<W>> tick(Instant now) {
        while (!deferred.isEmpty() && !deferred.peek().due().isAfter(now)) route(deferred.poll().item(), now);
        hangUpIdle(now);
        var it = withReadyWork.iterator();
        while (it.hasNext()) {
            PathState<W> path = it.next();
            if (!path.held(now)) dispatch(path, now);
            if (path.ready.isEmpty()) it.remove();
        }
        List<Action<W>> actions = new ArrayList<>(pending);
        pending.clear();
        return actions;
    }

    private void dispatch(PathState<W> path, Instant now) {
        SharedLimits.RateGate cap = sourceCaps.get(path.key.source());
        // A connection that waits goes first: no new handshake.
        while (!path.ready.isEmpty() && !path.idle.isEmpty() && path.mayCarry(now, cap)) {
            Connection<W> c = path.idle.pollLast();
            c.idleSince = null;
            List<W> batch = take(path, c.budget, now, cap);
            c.budget -= batch.size();
            pending.add(new Action.Hand<>(c.id, batch));
        }
        while (!path.ready.isEmpty() && connections.size() < policy.maxConnections() && path.mayOpen(now)
                && path.mayCarry(now, cap)) {
            int max = path.limits().maxMessagesPerConnection();
            Connection<W> c = new Connection<>(nextConnection++, path, max);
            path.opened(now);
            List<W> batch = take(path, max, now, cap);
            c.budget -= batch.size();
            connections.put(c.id, c);
            pending.add(new Action.Open<>(c.id, path.key, path.site.via, batch, max, policy.haltsOn(path.site)));
        }
    }

    private List<W> take(PathState<W> path, int max, Instant now, SharedLimits.RateGate cap) {
        List<W> batch = new ArrayList<>(Math.min(max, path.ready.size()));
        while (batch.size() < max && !path.ready.isEmpty() && path.mayCarry(now, cap)) {
            path.carried(now, cap);
            batch.add(path.ready.poll());
        }
        return batch;
    }

    private void hangUpIdle(Instant now) {
        Instant limit = now.minus(IDLE_CONNECTION);
        while (!waiting.isEmpty()) {
            Connection<W> c = waiting.peek();
            if (c.idleSince == null || !connections.containsKey(c.id)) {
                waiting.poll();
            } else if (c.idleSince.isBefore(limit) || c.path.suspended(now)) {
                waiting.poll();
                hangUp(c);
            } else {
                break;
            }
        }
    }

    /** The connection still counts until it says it has closed: its QUIT is part of its time. */
    private void hangUp(Connection<W> c) {
        c.path.idle.remove(c);
        c.idleSince = null;
        c.closing = true;
        c.path.closing++;
        pending.add(new Action.HangUp<>(c.id));
    }

    /** A connection told to {@link Action.HangUp} has closed. */
    public void closed(long connection) {
        Connection<W> c = connections.get(connection);
        if (c != null) release(c);
    }

    private void release(Connection<W> c) {
        connections.remove(c.id);
        c.path.connections--;
        if (c.closing) c.path.closing--;
        c.path.leases.closed();
    }

    /** When {@link #tick} has something to do without a new input; empty when only an input can help. */
    public Optional<Instant> nextWake(Instant now) {
        Instant next = Instant.MAX;
        if (!deferred.isEmpty()) next = deferred.peek().due();
        for (PathState<W> path : withReadyWork) {
            Instant at = path.held(now) ? path.heldUntil()
                    : path.nextRateSlot(now, sourceCaps.get(path.key.source())).orElse(Instant.MAX);
            if (at.isBefore(next)) next = at;
        }
        for (Connection<W> c : waiting) {
            if (c.idleSince != null) {
                Instant hangUp = c.idleSince.plus(IDLE_CONNECTION);
                if (hangUp.isBefore(next)) next = hangUp;
                break;
            }
        }
        return next.equals(Instant.MAX) ? Optional.empty() : Optional.of(next);
    }

    /** A connection's report after a batch (see {@link Attempt}). */
    public void report(long connection, Attempt<W> attempt, Instant now) {
        Connection<W> c = connections.get(connection);
        if (c == null) throw new IllegalArgumentException("no connection " + connection);
        PathState<W> path = c.path;
        c.halted = false; // its batch has ended, halted or not
        boolean fired = applyRules(c, attempt.replies(), now);
        if (attempt.lastError() != null) path.site.lastError = attempt.lastError();
        if (fired) {
            // the hold replaced the back-off
        } else if (attempt.siteFailed()) {
            path.failed(now, minBackoff, maxBackoff, 1 + 0.1 * (2 * random.nextDouble() - 1));
        } else if (attempt.attempted() > 0) {
            path.succeeded(attempt.attempted());
        }
        // A rule's hold or throttle replaces the back-off: the mail stays ready, and goes as soon
        // as the hold ends, or at the throttled rate.
        boolean held = path.suspended(now) || fired;
        attempt.untouched().reversed().forEach(path.ready::addFirst);
        for (Attempt.Retry<W> r : attempt.retries().reversed()) {
            if (held) path.ready.addFirst(r.item()); // first again: it was the first to go
            else queue(r.item(), r.due(), now);
        }
        if (!path.ready.isEmpty()) withReadyWork.add(path);
        if (!attempt.waits()) {
            release(c);
        } else if (path.suspended(now) || path.overCap(now)) {
            // A hold or a throttle's lower cap: the connection says QUIT after its transaction, not mid-way.
            hangUp(c);
        } else {
            c.budget = attempt.budget();
            c.idleSince = now;
            path.idle.add(c);
            waiting.add(c);
        }
    }

    private boolean applyRules(Connection<W> reporter, List<String> replies, Instant now) {
        PathState<W> path = reporter.path;
        boolean fired = false;
        for (String reply : replies) {
            for (ReplyRule rule : policy.rulesFor(path.site)) {
                if (!rule.matches(reply)) continue;
                Instant until = now.plus(rule.duration());
                if (rule.action() == ReplyRule.Action.SUSPEND) {
                    path.hold(until);
                } else {
                    path.throttle(now, until, rule.rate().orElseThrow(), rule.connections());
                    // Connections waiting beyond the throttle's cap hang up politely; busy ones after their batch.
                    while (path.overCap(now) && !path.idle.isEmpty()) hangUp(path.idle.pollFirst());
                }
                fired = true;
                pending.add(new Action.RuleFired<>(rule, path.key, until, reply));
                haltBusy(path, reporter);
                break;
            }
        }
        return fired;
    }

    /**
     * Halts the batches under way on {@code path}: they were handed out before the hold or the
     * throttle, and would otherwise go on unpaced until they end (up to max-messages-per-connection
     * messages each). {@code reporter}, whose report fired a rule, has stopped already (null: none).
     */
    private void haltBusy(PathState<W> path, Connection<W> reporter) {
        for (Connection<W> c : connections.values()) {
            if (c.path == path && c != reporter && c.idleSince == null && !c.closing && !c.halted) {
                c.halted = true;
                pending.add(new Action.Halt<>(c.id));
            }
        }
    }

    // ---- The admin plane's questions and orders (run by the loop on the schedule's thread). ----

    /** A site by its name, or the site a domain's mail goes to. */
    private Optional<Site<W>> find(String siteOrDomain) {
        Site<W> site = sites.get(siteOrDomain);
        if (site != null) return Optional.of(site);
        DomainSite known = domains.get(siteOrDomain.toLowerCase(java.util.Locale.ROOT));
        return known == null || known.site == null ? Optional.empty() : Optional.ofNullable(sites.get(known.site));
    }

    /**
     * Holds every path of the site (or the domain's site) until {@code until}. A name not seen yet
     * is held as soon as mail for it appears. Returns the name of the site held, or the name given.
     */
    public String suspend(String siteOrDomain, Instant until) {
        Optional<Site<W>> site = find(siteOrDomain);
        site.ifPresent(s -> {
            s.heldUntil = until;
            s.paths().forEach(p -> haltBusy(p, null));
        });
        namedHolds.put(site.map(Site::name).orElse(siteOrDomain.toLowerCase(java.util.Locale.ROOT)), until);
        return site.map(Site::name).orElse(siteOrDomain);
    }

    /**
     * A hold another node set (see {@link SharedLimits#onHold}): a suspend rule's on one path of a
     * site known here, or an operator's on the whole site (lifted with {@link Instant#MIN}).
     */
    public void held(SharedLimits.Hold hold) {
        if (hold.source() == null && hold.until().equals(Instant.MIN)) resume(hold.site());
        else if (hold.source() == null) suspend(hold.site(), hold.until());
        else if (sites.containsKey(hold.site())) holdPath(sites.get(hold.site()), hold);
        else pathHolds.computeIfAbsent(hold.site(), n -> new ArrayList<>()).add(hold);
    }

    /** A rule's hold from another node on one path of the site: a suspension or a throttle. */
    private void holdPath(Site<W> site, SharedLimits.Hold hold) {
        PathState<W> path = site.path(hold.source());
        // Instant.MIN for now: a throttle already in effect at that rate keeps its pacer (the same shared gate).
        hold.throttle().ifPresentOrElse(t -> path.throttle(Instant.MIN, hold.until(), t.rate(), t.connections()),
                () -> path.hold(hold.until()));
        haltBusy(path, null);
    }

    /** The name of the site, or of the site a domain's mail goes to, when known here. */
    public Optional<String> siteNamed(String siteOrDomain) {
        return find(siteOrDomain).map(Site::name);
    }

    /** Lifts every hold, throttle and back-off of the site's paths; its mail goes now. */
    public boolean resume(String siteOrDomain) {
        boolean named = namedHolds.remove(siteOrDomain.toLowerCase(java.util.Locale.ROOT)) != null;
        Optional<Site<W>> site = find(siteOrDomain);
        site.ifPresent(s -> namedHolds.remove(s.name));
        site.ifPresent(s -> {
            s.heldUntil = Instant.MIN;
            s.paths().forEach(p -> p.lift(true));
        });
        return named || site.isPresent();
    }

    public List<SiteView> sites(Instant now) {
        Map<EgressPath, Integer> waitingForRetry = new HashMap<>();
        for (Deferred<W> d : deferred) {
            siteOf(d.item().target()).ifPresent(site -> waitingForRetry.merge(new EgressPath(d.item().source(), site), 1, Integer::sum));
        }
        return sites.values().stream().sorted(Comparator.comparing(Site::name)).map(s -> new SiteView(s.name,
                List.copyOf(s.domains()), s.mx(), s.paths().stream().map(p -> new SiteView.Path(p.key.source(),
                        p.connections, p.leases.total(p.connections), p.ready.size(), p.suspended(now) ? p.heldUntil() : null,
                        p.throttledUntil.isAfter(now) ? p.throttledUntil : null, waitingForRetry.getOrDefault(p.key, 0),
                        p.rateNow(now).map(Rate::toString).orElse(null))).toList(), s.lastError)).toList();
    }

    /** The name of the site a target's mail goes to now, if known. */
    public Optional<String> siteOf(Target target) {
        if (!target.viaMx()) return Optional.of(target.name());
        DomainSite known = domains.get(target.name());
        return known == null ? Optional.empty() : Optional.ofNullable(known.site);
    }

    /** The state an operator sees for one site: last error, held, connections. */
    public record SiteState(String lastError, boolean suspended, int connections) {}

    public Optional<SiteState> siteState(String site, Instant now) {
        return find(site).map(s -> new SiteState(s.lastError,
                s.paths().stream().anyMatch(p -> p.suspended(now)) || s.heldByOperator(now),
                s.paths().stream().mapToInt(p -> p.connections).sum()));
    }

    /** One queued item, and when it is due ({@code now} for ready and unresolved work). */
    public record Entry<W>(W item, Instant due) {}

    public List<Entry<W>> entries(Instant now) {
        List<Entry<W>> out = new ArrayList<>();
        for (Site<W> s : sites.values()) s.paths().forEach(p -> p.ready.forEach(i -> out.add(new Entry<>(i, now))));
        unresolved.values().forEach(items -> items.forEach(i -> out.add(new Entry<>(i, now))));
        deferred.forEach(d -> out.add(new Entry<>(d.item(), d.due())));
        return out;
    }

    /** Makes deferred work that matches due now and lifts the back-off of its paths; returns how many. */
    public int retryNow(java.util.function.Predicate<Entry<W>> which, Instant now) {
        List<W> due = new ArrayList<>();
        deferred.removeIf(d -> {
            boolean match = which.test(new Entry<>(d.item(), d.due()));
            if (match) due.add(d.item());
            return match;
        });
        due.forEach(item -> route(item, now));
        for (Site<W> s : sites.values()) {
            for (PathState<W> p : s.paths()) {
                if (p.ready.stream().anyMatch(i -> which.test(new Entry<>(i, now)))) p.lift(false);
            }
        }
        return due.size();
    }

    /** Takes matching items out of the schedule (not those being carried); returns how many. */
    public int remove(java.util.function.Predicate<W> which) {
        int before = deferred.size();
        deferred.removeIf(d -> which.test(d.item()));
        int removed = before - deferred.size();
        for (Site<W> s : sites.values()) {
            for (PathState<W> p : s.paths()) {
                int size = p.ready.size();
                p.ready.removeIf(which);
                removed += size - p.ready.size();
            }
        }
        for (List<W> items : unresolved.values()) {
            int size = items.size();
            items.removeIf(which);
            removed += size - items.size();
        }
        return removed;
    }

    /** Stopping: every waiting connection, to be told to hang up. */
    public List<Long> waitingConnections() {
        return connections.values().stream().filter(c -> c.idleSince != null).map(c -> c.id).toList();
    }
}
