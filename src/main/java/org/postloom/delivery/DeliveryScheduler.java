package org.postloom.delivery;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.Set;
import java.util.HashSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.concurrent.locks.LockSupport;
import org.postloom.mail.Mailbox;
import org.postloom.mail.QueueId;
import java.util.random.RandomGenerator;
import org.postloom.spool.RecipientState;
import org.postloom.spool.Spool;
import org.postloom.spool.QueueEntry;

/**
 * The delivery engine's single owner of scheduling state (after Postfix's queue manager): one
 * thread takes new messages from the {@link Inbox} and attempt results from couriers, keeps a
 * ready queue per destination and one time-ordered set of deferred work, and starts couriers
 * (virtual threads, one per outbound connection) within the limits. Nothing here is shared, so
 * nothing is locked; other threads talk to it only through lock-free queues.
 */
public final class DeliveryScheduler implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("org.postloom.delivery");
    /** The loop wakes at least this often, whatever the clock says. */
    private static final Duration MAX_PARK = Duration.ofSeconds(1);

    private record Scheduled(Instant due, NextHop hop, WorkItem item) {}

    /** How long an open connection waits for more mail for its destination before it hangs up. */
    private static final Duration IDLE_CONNECTION = Duration.ofSeconds(2);

    private final Inbox inbox;
    private final Router router;
    private final Transport transport;
    private final OutcomeRecorder recorder;
    private final DeliverySettings settings;
    private final Clock clock;
    private final Spool spool;
    private final Queue<Courier.Report> attempts = new ConcurrentLinkedQueue<>();
    /** Questions and orders from the admin plane, run on the scheduler thread (see {@link QueueControl}). */
    private final Queue<Runnable> commands = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile boolean running = true;
    /** Couriers still out; read by the thread that stops the scheduler. */
    private final AtomicInteger couriers = new AtomicInteger();

    // Owned by the scheduler thread.
    private final Map<NextHop, Destination> destinations = new HashMap<>();
    private final Map<NextHop, Destination> withReadyWork = new LinkedHashMap<>();
    private final PriorityQueue<Scheduled> deferred = new PriorityQueue<>(Comparator.comparing(Scheduled::due));
    /**
     * Every courier that began to wait for work, oldest first (they park in time order), so the
     * ones to hang up are found at the head instead of by visiting every destination. An entry
     * whose courier was given work meanwhile is stale and simply dropped.
     */
    private final ArrayDeque<Parked> parked = new ArrayDeque<>();

    private record Parked(Destination destination, Destination.IdleCourier courier) {}
    private int active;
    private final Map<String, String> lastErrors = new HashMap<>();
    private final Set<String> suspended = new HashSet<>();

    public DeliveryScheduler(Inbox inbox, Router router, Transport transport, Spool spool, Bouncer bouncer,
                             DeliverySettings settings, Clock clock, DeliveryMetrics metrics) {
        this.inbox = inbox;
        this.router = router;
        this.transport = transport;
        this.recorder = new OutcomeRecorder(spool, bouncer, settings.retry(), settings.delayWarning(), clock, RandomGenerator.getDefault(), metrics);
        this.settings = settings;
        this.clock = clock;
        this.spool = spool;
        this.thread = Thread.ofPlatform().name("delivery-scheduler").daemon().unstarted(this::loop);
    }

    public void start() {
        inbox.consumedBy(thread);
        thread.start();
    }

    /** Makes the loop look at the clock again now (tests move an injected clock). */
    public void wake() {
        LockSupport.unpark(thread);
    }

    private void loop() {
        try {
            schedule();
        } finally {
            // Stopping: connections waiting for work hang up; their couriers end.
            parked.forEach(p -> p.courier().next().complete(List.of()));
            for (Courier.Report r; (r = attempts.poll()) != null; ) {
                if (r.next() != null) r.next().complete(List.of());
            }
        }
    }

    private void schedule() {
        while (running) {
            try {
                Instant now = clock.instant();
                takeNewMessages(now);
                takeAttempts(now);
                runCommands();
                promoteDue(now);
                hangUpIdle(now);
                dispatch(now);
                park(now);
            } catch (RuntimeException e) {
                // The scheduler must outlive any one bad message; its state is still consistent.
                LOG.log(System.Logger.Level.ERROR, "scheduler error", e);
            }
        }
    }

    private void takeNewMessages(Instant now) {
        QueueEntry message;
        while ((message = inbox.poll()) != null) {
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
            for (var entry : byHop.entrySet()) {
                WorkItem item = new WorkItem(message.message(), entry.getValue());
                Instant when = due.getOrDefault(entry.getKey(), now);
                if (when.isAfter(now)) deferred.add(new Scheduled(when, entry.getKey(), item));
                else ready(entry.getKey(), item);
            }
        }
    }

    private void takeAttempts(Instant now) {
        Courier.Report report;
        while ((report = attempts.poll()) != null) {
            Destination destination = destinations.get(report.hop());
            destination.attempted(report.siteFailed(), now, settings.retry());
            if (report.siteFailed()) {
                LOG.log(System.Logger.Level.WARNING, "destination-backoff dest=" + report.hop()
                        + " until=" + destination.backoffUntil());
            }
            if (report.lastError() != null) lastErrors.put(report.hop().toString(), report.lastError());
            for (OutcomeRecorder.Retry r : report.retries()) deferred.add(new Scheduled(r.due(), report.hop(), r.item()));
            if (report.next() == null) {
                release(destination);
            } else {
                parked.add(new Parked(destination, destination.parkCourier(report.next(), report.budget(), now)));
            }
        }
    }

    private void release(Destination destination) {
        active--;
        destination.released();
        if (destination.forgettable()) destinations.remove(destination.hop, destination);
    }

    /** Open connections that found no more work within {@link #IDLE_CONNECTION} say goodbye. */
    private void hangUpIdle(Instant now) {
        Instant limit = now.minus(IDLE_CONNECTION);
        while (!parked.isEmpty() && parked.peek().courier().since().isBefore(limit)) {
            Parked p = parked.poll();
            if (p.destination().hangUp(p.courier())) {
                p.courier().next().complete(List.of());
                release(p.destination());
            }
        }
    }

    private void promoteDue(Instant now) {
        while (!deferred.isEmpty() && !deferred.peek().due().isAfter(now)) {
            Scheduled s = deferred.poll();
            ready(s.hop(), s.item());
        }
    }

    private void ready(NextHop hop, WorkItem item) {
        Destination d = destinations.computeIfAbsent(hop, Destination::new);
        d.add(item);
        withReadyWork.put(hop, d);
    }

    private void dispatch(Instant now) {
        var it = withReadyWork.values().iterator();
        while (it.hasNext()) {
            Destination d = it.next();
            boolean held = suspended.contains(d.hop.toString());
            // An open connection waiting for this destination goes first: no new handshake.
            while (!held && d.hasReadyWork() && d.hasIdleCourier() && !now.isBefore(d.backoffUntil())) {
                Destination.IdleCourier c = d.unparkCourier();
                c.next().complete(d.take(c.budget()));
            }
            while (!held && active < settings.maxConnections() && d.canStart(now, settings.connectionsFor(d.hop.toString()))) {
                List<WorkItem> batch = d.takeForNewConnection(settings.messagesPerConnection());
                active++;
                couriers.incrementAndGet();
                Courier courier = new Courier(d.hop, batch, transport, recorder, this::report,
                        settings.messagesPerConnection(), now.plus(settings.retry().minBackoff()), spool::message);
                Thread.ofVirtual().name("courier-" + d.hop).start(() -> {
                    try {
                        courier.run();
                    } finally {
                        couriers.decrementAndGet();
                    }
                });
            }
            if (!d.hasReadyWork()) it.remove();
        }
    }

    /** Called on a courier's thread: hand the report to the scheduler thread. */
    private void report(Courier.Report report) {
        attempts.offer(report);
        LockSupport.unpark(thread);
    }

    private void runCommands() {
        Runnable command;
        while ((command = commands.poll()) != null) command.run();
    }

    /** Runs {@code question} on the scheduler thread and hands back its answer. */
    <T> CompletableFuture<T> ask(Supplier<T> question) {
        var answer = new CompletableFuture<T>();
        commands.offer(() -> {
            try {
                answer.complete(question.get());
            } catch (RuntimeException e) {
                answer.completeExceptionally(e);
            }
        });
        LockSupport.unpark(thread);
        return answer;
    }

    // The following run on the scheduler thread only, through ask().

    /** Every queued work item with its destination and when it is due (now for ready work). */
    List<QueueControl.Entry> entries() {
        Instant now = clock.instant();
        List<QueueControl.Entry> out = new ArrayList<>();
        for (Destination d : destinations.values()) {
            d.readyItems().forEach(i -> out.add(new QueueControl.Entry(d.hop.toString(), i, now)));
        }
        deferred.forEach(s -> out.add(new QueueControl.Entry(s.hop().toString(), s.item(), s.due())));
        return out;
    }

    int activeConnections(String destination) {
        return destinations.values().stream().filter(d -> d.hop.toString().equals(destination)).mapToInt(Destination::active).sum();
    }

    String lastError(String destination) {
        return lastErrors.get(destination);
    }

    boolean isSuspended(String destination) {
        return suspended.contains(destination);
    }

    void suspend(String destination) {
        suspended.add(destination);
    }

    void resume(String destination) {
        suspended.remove(destination);
    }

    /** Makes deferred work that matches due now, and lifts the back-off of its destinations. */
    int retryNow(Predicate<QueueControl.Entry> which) {
        Instant now = clock.instant();
        List<Scheduled> due = new ArrayList<>();
        deferred.removeIf(s -> {
            boolean match = which.test(new QueueControl.Entry(s.hop().toString(), s.item(), s.due()));
            if (match) due.add(s);
            return match;
        });
        due.forEach(s -> ready(s.hop(), s.item()));
        for (Destination d : destinations.values()) {
            if (d.readyItems().anyMatch(i -> which.test(new QueueControl.Entry(d.hop.toString(), i, now)))) d.liftBackoff();
        }
        return due.size();
    }

    /** Takes every queued item of the message out of the schedule; returns how many there were. */
    int forget(QueueId id) {
        int before = deferred.size();
        deferred.removeIf(s -> s.item().message().queueId().equals(id));
        int removed = before - deferred.size();
        for (Destination d : destinations.values()) removed += d.removeIf(i -> i.message().queueId().equals(id));
        return removed;
    }

    private void park(Instant now) {
        if (!inbox.isEmpty() || !attempts.isEmpty() || !commands.isEmpty()) return;
        Instant next = now.plus(MAX_PARK);
        if (!deferred.isEmpty() && deferred.peek().due().isBefore(next)) next = deferred.peek().due();
        for (Destination d : withReadyWork.values()) {
            if (d.backoffUntil().isAfter(now) && d.backoffUntil().isBefore(next)) next = d.backoffUntil();
        }
        while (!parked.isEmpty() && parked.peek().courier().next().isDone()) parked.poll();
        if (!parked.isEmpty()) {
            Instant hangUp = parked.peek().courier().since().plus(IDLE_CONNECTION);
            if (hangUp.isBefore(next)) next = hangUp;
        }
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
