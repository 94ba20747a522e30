package org.postloom.delivery;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import org.postloom.events.DeliveryEvents;
import java.util.random.RandomGenerator;
import org.postloom.delivery.schedule.Action;
import org.postloom.delivery.schedule.ReplyRule;
import org.postloom.delivery.schedule.Schedule;
import org.postloom.delivery.schedule.SharedLimits;
import org.postloom.dns.Resolution;
import org.postloom.spool.RecipientState;
import org.postloom.spool.Spool;
import org.postloom.spool.QueueEntry;

/**
 * The thin loop around the pure {@link Schedule}: one platform thread feeds it new messages from
 * the {@link Inbox}, MX answers and couriers' reports, runs the admin plane's questions, performs
 * the actions {@link Schedule#tick} returns (start a courier, hand work to a waiting one, look up
 * a domain) and parks until the schedule's next wake-up or the next input. Other threads talk to
 * it only through lock-free queues.
 */
public final class DeliveryScheduler implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("org.postloom.delivery");
    /** The loop wakes at least this often, whatever the clock says. */
    private static final Duration MAX_PARK = Duration.ofSeconds(1);

    private record Resolved(String domain, SiteNames site) {}

    private final Inbox inbox;
    private final Router router;
    private final Function<String, Resolution> dns;
    private final Transport transport;
    private final OutcomeRecorder recorder;
    /** Shared with {@link QueueControl}: an operator's delete and a courier's outcome take the same message lock. */
    private final MessageReports messageReports;
    private final DeliverySettings settings;
    private final Clock clock;
    private final Spool spool;
    private final Schedule<WorkItem> schedule;
    private final SharedLimits shared;
    private final Queue<Courier.Report> reports = new ConcurrentLinkedQueue<>();
    private final Queue<Resolved> resolutions = new ConcurrentLinkedQueue<>();
    /** Questions and orders from the admin plane, run on the scheduler thread (see {@link QueueControl}). */
    private final Queue<Runnable> commands = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile boolean running = true;
    /** Couriers still out; read by the thread that stops the scheduler. */
    private final AtomicInteger couriers = new AtomicInteger();
    /** Owned by the scheduler thread: how to wake each connection that waits for work. */
    private final Map<Long, CompletableFuture<List<WorkItem>>> waiting = new HashMap<>();
    /** Owned by the scheduler thread: each open connection's courier, to halt its batch. */
    private final Map<Long, Courier> live = new HashMap<>();

    public DeliveryScheduler(Inbox inbox, Router router, Function<String, Resolution> dns, Transport transport, Spool spool,
                             Bouncer bouncer, DeliverySettings settings, Clock clock, DeliveryMetrics metrics,
                             DeliveryEvents events) {
        this(inbox, router, dns, transport, spool, bouncer, settings, clock, metrics, events, SharedLimits.LOCAL);
    }

    /** With limits and holds shared among nodes ({@code org.postloom.cluster}). */
    public DeliveryScheduler(Inbox inbox, Router router, Function<String, Resolution> dns, Transport transport, Spool spool,
                             Bouncer bouncer, DeliverySettings settings, Clock clock, DeliveryMetrics metrics,
                             DeliveryEvents events, SharedLimits shared) {
        this.shared = shared;
        this.inbox = inbox;
        this.router = router;
        this.dns = dns;
        // Suppressed recipients never reach a transport's RCPT (issue 14).
        this.transport = new SuppressingTransport(transport, r -> events.suppression(r).isPresent());
        this.messageReports = new MessageReports(spool, bouncer);
        this.recorder = new OutcomeRecorder(messageReports, settings.retry(), settings.delayWarning(), clock,
                RandomGenerator.getDefault(), metrics, events);
        this.settings = settings;
        this.clock = clock;
        this.spool = spool;
        this.schedule = new Schedule<>(settings.shaping(), settings.retry().minBackoff(), settings.retry().maxBackoff(),
                RandomGenerator.getDefault(), shared);
        this.thread = Thread.ofPlatform().name("delivery-scheduler").daemon().unstarted(this::loop);
    }

    MessageReports messageReports() {
        return messageReports;
    }

    public void start() {
        shared.onHold(hold -> commands.offer(() -> schedule.held(hold)));
        inbox.consumedBy(thread);
        thread.start();
    }

    /** Makes the loop look at the clock again now (tests move an injected clock). */
    public void wake() {
        LockSupport.unpark(thread);
    }

    private void loop() {
        try {
            while (running) {
                try {
                    Instant now = clock.instant();
                    takeInputs(now);
                    schedule.tick(now).forEach(action -> perform(action, now));
                    park(now);
                } catch (RuntimeException e) {
                    // The scheduler must outlive any one bad message; its state is still consistent.
                    LOG.log(System.Logger.Level.ERROR, "scheduler error", e);
                }
            }
        } finally {
            // Stopping: connections waiting for work hang up; their couriers end.
            waiting.values().forEach(f -> f.complete(List.of()));
            for (Courier.Report r; (r = reports.poll()) != null; ) {
                if (r.next() != null) r.next().complete(List.of());
            }
        }
    }

    private void takeInputs(Instant now) {
        for (QueueEntry m; (m = inbox.poll()) != null; ) takeNew(m, now);
        for (Resolved r; (r = resolutions.poll()) != null; ) {
            schedule.resolved(r.domain(), r.site().site(), r.site().mx(), now.plus(r.site().believedFor()), now);
        }
        for (Courier.Report r; (r = reports.poll()) != null; ) {
            if (r.attempt() == null) {
                live.remove(r.connection());
                schedule.closed(r.connection());
                continue;
            }
            if (r.next() != null) waiting.put(r.connection(), r.next());
            else live.remove(r.connection());
            schedule.report(r.connection(), r.attempt(), now);
        }
        for (Runnable command; (command = commands.poll()) != null; ) command.run();
    }

    /** A durable message: its open recipients grouped by next hop, from the source it keeps. */
    private void takeNew(QueueEntry message, Instant now) {
        String source = sourceOf(message);
        if (source == null) return;                    // final meanwhile
        Map<NextHop, List<Integer>> byHop = new LinkedHashMap<>();
        Map<NextHop, Instant> due = new HashMap<>();
        List<String> domains = message.recipientDomains();
        for (int i = 0; i < domains.size(); i++) {
            RecipientState state = message.recipients().get(i);
            if (state.isFinal()) continue;
            NextHop hop = router.route(domains.get(i));
            byHop.computeIfAbsent(hop, h -> new ArrayList<>()).add(i);
            if (state instanceof RecipientState.Deferred d) due.merge(hop, d.nextAttempt(), (a, b) -> a.isBefore(b) ? a : b);
        }
        byHop.forEach((hop, indexes) -> schedule.queue(new WorkItem(message.message(), indexes, hop, source),
                due.getOrDefault(hop, now), now));
    }

    /**
     * The source a message keeps: the one chosen at reception while it is still configured; else
     * (bounces, mail queued before the pools changed) one chosen now from its envelope, read back
     * from the spool only in that rare case. Null if the message is no longer queued.
     */
    private String sourceOf(QueueEntry message) {
        if (settings.pools().isEmpty()) return "";
        String chosen = message.egressSource();
        if (!chosen.isEmpty() && settings.pools().knows(chosen)) return chosen;
        return spool.message(message.message().queueId()).map(m -> settings.pools().choose(m.envelope())).orElse(null);
    }

    private void perform(Action<WorkItem> action, Instant now) {
        switch (action) {
            case Action.Resolve<WorkItem> r -> Thread.ofVirtual().name("mx-" + r.domain()).start(() -> {
                resolutions.offer(new Resolved(r.domain(), SiteNames.of(r.domain(), dns.apply(r.domain()))));
                LockSupport.unpark(thread);
            });
            case Action.Open<WorkItem> o -> startCourier(o, now);
            case Action.Hand<WorkItem> h -> {
                live.get(h.connection()).clearHalt();
                waiting.remove(h.connection()).complete(h.batch());
            }
            case Action.Halt<WorkItem> h -> {
                Courier courier = live.get(h.connection());
                if (courier != null) courier.halt();
            }
            case Action.HangUp<WorkItem> h -> {
                CompletableFuture<List<WorkItem>> next = waiting.remove(h.connection());
                if (next != null) next.complete(List.of());
            }
            case Action.RuleFired<WorkItem> f -> announceAndLog(f);
        }
    }

    private void announceAndLog(Action.RuleFired<WorkItem> f) {
        boolean throttle = f.rule().action() == ReplyRule.Action.THROTTLE;
        shared.announce(new SharedLimits.Hold(f.path().site(), f.path().source(), f.until(),
                throttle ? f.rule().rate().map(r -> new SharedLimits.Throttle(r, f.rule().connections())) : Optional.empty()));
        LOG.log(System.Logger.Level.WARNING,
                (throttle ? "site-throttled" : "site-suspended")
                        + " site=" + f.path().site() + " source=" + f.path().source() + " until=" + f.until()
                        + " rule=" + f.rule().index() + " reply=\"" + f.reply().replace('"', '\'') + "\"");
    }

    /** Tells the other nodes of an operator's hold on a site ({@link Instant#MIN}: lifted). */
    void announce(String site, Instant until) {
        shared.announce(SharedLimits.Hold.suspension(site, null, until));
    }

    private void startCourier(Action.Open<WorkItem> open, Instant now) {
        couriers.incrementAndGet();
        Courier courier = new Courier(open.connection(), NextHop.of(open.via()), open.path().site(), settings.source(open.path().source()),
                open.batch(), open.maxMessages(), open.halts(), transport, recorder, this::report,
                now.plus(settings.retry().minBackoff()), spool::message);
        live.put(open.connection(), courier);
        Thread.ofVirtual().name("courier-" + open.path()).start(() -> {
            try {
                courier.run();
            } finally {
                couriers.decrementAndGet();
            }
        });
    }

    /** Called on a courier's thread: hand the report to the scheduler thread. */
    private void report(Courier.Report report) {
        reports.offer(report);
        LockSupport.unpark(thread);
    }

    /** Runs {@code question} on the scheduler thread, with the schedule, and hands back its answer. */
    <T> CompletableFuture<T> ask(Function<Schedule<WorkItem>, T> question) {
        var answer = new CompletableFuture<T>();
        commands.offer(() -> {
            try {
                answer.complete(question.apply(schedule));
            } catch (RuntimeException e) {
                answer.completeExceptionally(e);
            }
        });
        LockSupport.unpark(thread);
        return answer;
    }

    Instant now() {
        return clock.instant();
    }

    private void park(Instant now) {
        if (!inbox.isEmpty() || !reports.isEmpty() || !commands.isEmpty() || !resolutions.isEmpty()) return;
        Instant next = schedule.nextWake(now).filter(t -> t.isBefore(now.plus(MAX_PARK))).orElse(now.plus(MAX_PARK));
        long nanos = Duration.between(now, next).toNanos();
        if (nanos > 0) LockSupport.parkNanos(this, nanos);
    }

    /**
     * Stops: no new connection starts, couriers finish the transaction they are in, and what was
     * not attempted stays in the spool for the next start. Waits up to {@code grace} for them.
     */
    public void drain(Duration grace) {
        running = false;
        transport.stop();
        LockSupport.unpark(thread);
        long deadline = System.nanoTime() + grace.toNanos();
        try {
            thread.join(Math.max(1, grace.toMillis()));
            while (couriers.get() > 0 && System.nanoTime() < deadline) Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (couriers.get() > 0) LOG.log(System.Logger.Level.WARNING, "grace time over: couriers still out=" + couriers.get());
    }

    @Override
    public void close() {
        drain(Duration.ofSeconds(5));
    }
}
