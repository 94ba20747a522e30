package org.postloom.delivery.schedule;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Predicate;

/**
 * Runs a {@link Schedule} the way the loop does, but with instants chosen by the test, a seeded
 * random source and connections played by the test: no threads, no sleeping. It keeps every
 * action, the open connections with what each carries, and when each item was handed out.
 */
final class Driver {

    static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    final Schedule<Item> schedule;
    Instant now = T0;
    final List<Action<Item>> actions = new ArrayList<>();
    /** Connection id to the batch it carries now (empty while it waits). */
    final Map<Long, List<Item>> carrying = new HashMap<>();
    final Map<Long, EgressPath> pathOf = new HashMap<>();
    final Map<Long, Integer> budget = new HashMap<>();
    final Map<Long, Predicate<String>> halts = new HashMap<>();
    /** When each item was handed to a connection, in order. */
    final List<Instant> sent = new ArrayList<>();
    final List<Item> sentItems = new ArrayList<>();
    /** Domain to site name, answered to every Resolve action. */
    final Map<String, String> mx = new HashMap<>();
    int peakConnections;
    /** Connections told to stop their batch, in order. */
    final List<Long> halted = new ArrayList<>();

    Driver(ShapingPolicy policy) {
        schedule = new Schedule<>(policy, Duration.ofMinutes(1), Duration.ofHours(1), new SplittableRandom(7));
    }

    static ShapingPolicy limits(int connections, int perConnection, String rate) {
        return ShapingPolicy.standard().withDefaults(new PathLimits(connections, perConnection,
                Optional.ofNullable(rate).map(Rate::parse), Optional.empty()));
    }

    void queue(Item... items) {
        for (Item i : items) schedule.queue(i, now, now);
    }

    /** Ticks, answers Resolve actions from {@link #mx} and notes connections opened and handed work. */
    List<Action<Item>> tick() {
        List<Action<Item>> out = new ArrayList<>();
        List<Action<Item>> step = schedule.tick(now);
        while (!step.isEmpty()) {
            boolean resolvedAny = false;
            for (Action<Item> a : step) {
                out.add(a);
                switch (a) {
                    case Action.Resolve<Item> r -> {
                        String site = mx.getOrDefault(r.domain(), "mx." + r.domain());
                        schedule.resolved(r.domain(), site, List.of(site.split(",")), now.plusSeconds(60), now);
                        resolvedAny = true;
                    }
                    case Action.Open<Item> o -> {
                        carrying.put(o.connection(), new ArrayList<>(o.batch()));
                        pathOf.put(o.connection(), o.path());
                        budget.put(o.connection(), o.maxMessages() - o.batch().size());
                        halts.put(o.connection(), o.halts());
                        handed(o.batch());
                    }
                    case Action.Hand<Item> h -> {
                        carrying.put(h.connection(), new ArrayList<>(h.batch()));
                        budget.merge(h.connection(), -h.batch().size(), Integer::sum);
                        handed(h.batch());
                    }
                    case Action.HangUp<Item> h -> {
                        forget(h.connection());
                        schedule.closed(h.connection());
                    }
                    case Action.RuleFired<Item> f -> { }
                    case Action.Halt<Item> h -> halted.add(h.connection());
                }
            }
            step = resolvedAny ? schedule.tick(now) : List.of();
        }
        peakConnections = Math.max(peakConnections, carrying.size());
        actions.addAll(out);
        return out;
    }

    private void handed(List<Item> batch) {
        batch.forEach(i -> sent.add(now));
        sentItems.addAll(batch);
    }

    private void forget(long connection) {
        carrying.remove(connection);
        pathOf.remove(connection);
        budget.remove(connection);
    }

    /** Every busy connection reports success and waits for more (while it has budget). */
    void allSucceed() {
        for (long c : List.copyOf(carrying.keySet())) {
            if (carrying.get(c).isEmpty()) continue;
            succeed(c);
        }
    }

    void succeed(long connection) {
        int n = carrying.get(connection).size();
        boolean waits = budget.get(connection) > 0;
        schedule.report(connection, new Attempt<>(n, List.of(), List.of(), List.of(), false, null, waits, budget.get(connection)), now);
        if (waits) carrying.put(connection, new ArrayList<>());
        else forget(connection);
    }

    /** The connection's first item got {@code reply}; the rest were not tried; it hangs up. */
    void replied(long connection, String reply, boolean siteFailed) {
        List<Item> batch = carrying.get(connection);
        List<Attempt.Retry<Item>> retry = List.of(new Attempt.Retry<>(batch.getFirst(), now.plus(Duration.ofMinutes(5))));
        schedule.report(connection, new Attempt<>(1, retry, batch.subList(1, batch.size()), List.of(reply), siteFailed,
                reply, false, 0), now);
        forget(connection);
    }

    /** The connection's first item got {@code reply} and a rule fired; the rest were not tried; it waits for more. */
    void throttled(long connection, String reply) {
        List<Item> batch = carrying.get(connection);
        List<Attempt.Retry<Item>> retry = List.of(new Attempt.Retry<>(batch.getFirst(), now.plus(Duration.ofMinutes(5))));
        budget.merge(connection, batch.size() - 1, Integer::sum);
        schedule.report(connection, new Attempt<>(1, retry, batch.subList(1, batch.size()), List.of(reply), false,
                reply, true, budget.get(connection)), now);
        carrying.put(connection, new ArrayList<>());
    }

    /**
     * A halted connection stops after its first {@code done} items went well: it reports the rest
     * as not tried and waits for more.
     */
    void stoppedAfter(long connection, int done) {
        List<Item> batch = carrying.get(connection);
        schedule.report(connection, new Attempt<>(done, List.of(), batch.subList(done, batch.size()), List.of(), false, null,
                true, budget.merge(connection, batch.size() - done, Integer::sum)), now);
        carrying.put(connection, new ArrayList<>());
    }

    long busy() {
        return carrying.values().stream().filter(b -> !b.isEmpty()).count();
    }

    void advance(Duration by) {
        now = now.plus(by);
    }

    /** Runs the loop for {@code total}, ticking at each wake-up (at most {@code step} apart), connections answering at once. */
    void run(Duration total, Duration step) {
        Instant end = now.plus(total);
        while (now.isBefore(end)) {
            tick();
            allSucceed();
            tick();
            Instant next = schedule.nextWake(now).filter(t -> t.isBefore(now.plus(step))).orElse(now.plus(step));
            now = next.isAfter(now) ? next : now.plusNanos(1);
        }
    }

    /**
     * Runs the loop for {@code total} with connections that take {@code perMessage} for each item
     * (and {@code perMessage} more to open), and a loop that wakes {@code lateBy} after each wake-up
     * it asked for, as a busy machine's does. Connections report as soon as their batch is done.
     */
    void runBusy(Duration total, Duration perMessage, Duration lateBy) {
        Instant end = now.plus(total);
        Map<Long, Instant> doneAt = new HashMap<>();
        while (now.isBefore(end)) {
            for (Action<Item> a : tick()) {
                switch (a) {
                    case Action.Open<Item> o -> doneAt.put(o.connection(), now.plus(perMessage.multipliedBy(o.batch().size() + 1)));
                    case Action.Hand<Item> h -> doneAt.put(h.connection(), now.plus(perMessage.multipliedBy(h.batch().size())));
                    default -> { }
                }
            }
            for (var e : List.copyOf(doneAt.entrySet())) {
                if (e.getValue().isAfter(now) || !carrying.containsKey(e.getKey())) continue;
                doneAt.remove(e.getKey());
                succeed(e.getKey());
            }
            Instant next = schedule.nextWake(now).orElse(end);
            for (Instant t : doneAt.values()) if (t.isBefore(next)) next = t;
            next = next.plus(lateBy);
            now = next.isAfter(now) ? next : now.plusNanos(1);
        }
    }

    @SuppressWarnings("unchecked")
    List<Action.Open<Item>> opens() {
        return actions.stream().filter(a -> a instanceof Action.Open).map(a -> (Action.Open<Item>) a).toList();
    }

    <T extends Action<Item>> List<T> all(Class<T> kind) {
        return actions.stream().filter(kind::isInstance).map(kind::cast).toList();
    }
}
