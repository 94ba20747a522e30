package org.postloom.delivery;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.time.Duration;
import java.util.function.Function;
import java.util.function.Predicate;
import org.postloom.delivery.schedule.Schedule;
import org.postloom.delivery.schedule.SiteView;
import java.util.stream.Collectors;
import java.io.IOException;
import org.postloom.events.DeliveryEvents;
import org.postloom.events.RecipientOutcome;
import org.postloom.intake.IntakeException;
import org.postloom.mail.Mailbox;
import org.postloom.mail.QueueId;
import org.postloom.spool.RecipientState;
import org.postloom.spool.Spool;
import org.postloom.spool.SpoolException;
import org.postloom.spool.SpooledMessage;

/**
 * What operators may ask of the queue and order it to do (after Postfix's {@code postqueue} and
 * {@code postsuper}, and KumoMTA's API). The scheduler stays the single owner of its state: every
 * call here is a message to its thread, answered through a future.
 */
public final class QueueControl {

    /** One queued work item: a message's recipients for one destination, and when it is due. */
    public record Entry(String destination, WorkItem item, Instant due) {}

    /** A destination at a glance. */
    public record DestinationSummary(String destination, int messages, int recipients, Instant oldest,
                                     Instant nextAttempt, String lastError, boolean suspended, int connections) {}

    /** A message as queued for one destination. */
    public record QueuedMessage(QueueId id, Mailbox sender, List<Mailbox> recipients, Instant arrival, Instant due,
                                long size) {}

    private final DeliveryScheduler scheduler;
    private final Spool spool;
    private final DeliveryEvents events;

    public QueueControl(DeliveryScheduler scheduler, Spool spool, DeliveryEvents events) {
        this.scheduler = scheduler;
        this.spool = spool;
        this.events = events;
    }

    public List<DestinationSummary> summary() {
        return answer(schedule -> {
            Instant now = scheduler.now();
            Map<String, List<Entry>> byDestination = entries(schedule).stream()
                    .collect(Collectors.groupingBy(Entry::destination, TreeMap::new, Collectors.toList()));
            return byDestination.entrySet().stream().map(e -> {
                List<Entry> entries = e.getValue();
                var site = schedule.siteOf(entries.getFirst().item().target()).flatMap(s -> schedule.siteState(s, now));
                return new DestinationSummary(e.getKey(),
                        (int) entries.stream().map(x -> x.item().queueId()).distinct().count(),
                        entries.stream().mapToInt(x -> x.item().recipients().size()).sum(),
                        entries.stream().map(x -> x.item().message().arrival()).min(Comparator.naturalOrder()).orElseThrow(),
                        entries.stream().map(Entry::due).min(Comparator.naturalOrder()).orElseThrow(),
                        site.map(Schedule.SiteState::lastError).orElse(null),
                        site.map(Schedule.SiteState::suspended).orElse(false),
                        site.map(Schedule.SiteState::connections).orElse(0));
            }).toList();
        });
    }

    private List<Entry> entries(Schedule<WorkItem> schedule) {
        return schedule.entries(scheduler.now()).stream()
                .map(e -> new Entry(e.item().hop().toString(), e.item(), e.due())).toList();
    }

    /**
     * The {@code limit} oldest messages queued for {@code destination}. They are picked from the
     * schedule in memory; only their envelopes are read from the spool.
     */
    public List<QueuedMessage> messages(String destination, int limit) {
        return answer(schedule -> entries(schedule).stream()
                .filter(e -> e.destination().equals(destination))
                .sorted(Comparator.<Entry>comparingLong(e -> e.item().message().arrivalMillis())
                        .thenComparing(e -> e.item().message().queueId().value()))
                .limit(limit)
                .flatMap(e -> spool.message(e.item().message().queueId()).stream().map(m -> {
                    // The envelope is read back from the spool: the schedule holds only the id.
                    List<Mailbox> rcpts = e.item().recipients().stream().map(i -> m.envelope().recipients().get(i)).toList();
                    return new QueuedMessage(m.queueId(), m.envelope().sender(), rcpts, m.envelope().arrival(), e.due(), m.bodySize());
                }))
                .sorted(Comparator.comparing(QueuedMessage::arrival))
                .toList());
    }

    /** Whether the spool is still reading its segments after a restart (messages then half known). */
    public boolean recovering() {
        return !spool.recovery().isDone();
    }

    /** The message as the spool has it, with each recipient's state. */
    public Optional<SpooledMessage> message(QueueId id) {
        return spool.message(id);
    }

    public int retryAll() {
        return retry(e -> true);
    }

    public int retryDestination(String destination) {
        return retry(e -> e.item().hop().toString().equals(destination));
    }

    public int retryMessage(QueueId id) {
        return retry(e -> e.item().queueId().equals(id));
    }

    private int retry(Predicate<Schedule.Entry<WorkItem>> which) {
        return answer(schedule -> schedule.retryNow(which, scheduler.now()));
    }

    /** Holds a destination's mail: nothing is sent there until it is resumed. */
    public void suspend(String destination) {
        suspendSite(siteKey(destination), null);
    }

    public void resume(String destination) {
        resumeSite(siteKey(destination));
    }

    /** A static route's destination {@code [host]:port} is the site {@code host:port}. */
    private static String siteKey(String destination) {
        return destination.startsWith("[") ? destination.substring(1).replaceFirst("]:", ":") : destination;
    }

    /** Every site with its egress paths (a read-only snapshot). */
    public List<SiteView> sites() {
        return answer(schedule -> schedule.sites(scheduler.now()));
    }

    /** What "until resumed" is: far enough, and still an RFC 3339 instant. */
    private static final Instant UNTIL_RESUMED = Instant.parse("9999-12-31T23:59:59Z");

    /** A site held, and until when. */
    public record Hold(String site, Instant until) {}

    /**
     * Holds a site (named, or the site of a domain; one not seen yet once mail for it appears) for
     * {@code duration}, or until resumed when null.
     */
    public Hold suspendSite(String siteOrDomain, Duration duration) {
        return answer(schedule -> {
            Instant until = duration == null ? UNTIL_RESUMED : scheduler.now().plus(duration);
            Hold hold = new Hold(schedule.suspend(siteOrDomain, until), until);
            scheduler.announce(hold.site(), until);
            return hold;
        });
    }

    public boolean resumeSite(String siteOrDomain) {
        return answer(schedule -> {
            scheduler.announce(siteOrDomain, Instant.MIN);
            // Holds are kept under the site's name: a domain's resume lifts its site's too.
            schedule.siteNamed(siteOrDomain).filter(site -> !site.equals(siteOrDomain))
                    .ifPresent(site -> scheduler.announce(site, Instant.MIN));
            return schedule.resume(siteOrDomain);
        });
    }

    /**
     * Removes a message from the queue for good: its open recipients become failed (and, if asked,
     * the sender gets a bounce saying so), each with a {@code bounce} event of class {@code other}
     * whose reply says the operator deleted it (CONTRACT.md section 3: a permanent end no MX
     * gave; not an {@code expiration}, which is the queue's lifetime running out). As for an
     * attempt, the events and the report are made before the states are recorded. Returns false
     * if there is no such live message.
     */
    public boolean delete(QueueId id, boolean bounce) throws IntakeException {
        return remove(id, bounce, "550 5.0.0 Deleted from the queue by the operator");
    }

    /**
     * Takes back a message of an HTTP injection that failed as a whole (no 200 was given): as a
     * delete without a bounce message, its recipients' events saying why.
     */
    public boolean withdraw(QueueId id) throws IntakeException {
        return remove(id, false, "550 5.0.0 Withdrawn: the injection request that queued it failed");
    }

    private boolean remove(QueueId id, boolean bounce, String why) throws IntakeException {
        Optional<SpooledMessage> found = spool.message(id);
        if (found.isEmpty()) return false;
        answer(schedule -> schedule.remove(i -> i.queueId().equals(id)));
        SpooledMessage message = found.get();
        Instant now = scheduler.now();
        var byOperator = Optional.of(new RecipientState.Attempted("5.0.0", "", now));
        Map<Integer, RecipientState> states = new HashMap<>();
        List<RecipientOutcome> removed = new ArrayList<>();
        for (int i = 0; i < message.recipients().size(); i++) {
            if (message.recipients().get(i).isFinal()) continue;
            states.put(i, new RecipientState.Failed(why, byOperator));
            removed.add(new RecipientOutcome(i, message.envelope().recipients().get(i), RecipientOutcome.Kind.DELETED, 550, "5.0.0", why));
        }
        try {
            events.outcomes(message, RecipientOutcome.Route.NONE, removed);
        } catch (IOException e) {
            throw new IntakeException(IntakeException.Kind.FAILED, "event journal: " + e.getMessage(), e);
        }
        // The message is final now: one failure report for all its failed recipients, if asked.
        scheduler.messageReports().record(message, states, new MessageReports.Occasion(now, false, now, bounce));
        MessageLog.deleted(id, states.size(), bounce);
        return true;
    }

    private <T> T answer(Function<Schedule<WorkItem>, T> question) {
        CompletableFuture<T> future = scheduler.ask(question);
        try {
            return future.get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the scheduler did not answer: " + e, e);
        }
    }

}
