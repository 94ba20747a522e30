package org.postloom.delivery;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import org.postloom.delivery.schedule.Attempt;
import org.postloom.delivery.client.Outcome;
import org.postloom.events.RecipientOutcome;
import org.postloom.mail.QueueId;
import org.postloom.spool.SpooledMessage;

/**
 * One outbound connection's life, on its own virtual thread: carry a batch, record its outcomes,
 * report to the scheduler, and, while the connection is fit, wait for the scheduler to hand it
 * more work for the same egress path (connection reuse), until it gets none. A reply that makes a
 * reply rule fire stops its batch at once: the rest goes back untouched, and the connection, if
 * still fit, waits for what the schedule decides (a suspension hangs it up, a throttle paces it). Each work item's
 * envelope is read back from the spool just before it is sent ({@link Parcel}); an item whose
 * message became final meanwhile (an operator deleted it) is dropped.
 */
final class Courier implements Runnable {

    private static final System.Logger LOG = System.getLogger("org.postloom.delivery");

    /**
     * What a courier tells the scheduler after each batch, and once more, with a null
     * {@code attempt}, when it has closed after the scheduler told it to hang up.
     *
     * @param next completed by the scheduler with more work, or an empty list to hang up; null
     *             when the courier hangs up anyway (connection unfit, budget spent, site failed): then
     *             the connection is closed before the report is sent
     */
    record Report(long connection, Attempt<WorkItem> attempt, CompletableFuture<List<WorkItem>> next) {}

    private final long connection;
    private final NextHop hop;
    /** The egress path's site, for events. */
    private final String site;
    private final EgressSource source;
    private final Transport transport;
    private final OutcomeRecorder recorder;
    private final Consumer<Report> scheduler;
    private final int maxMessages;
    private final Predicate<String> halts;
    private final Instant retryOnCrash;
    private final Function<QueueId, Optional<SpooledMessage>> messages;
    private List<WorkItem> batch;
    /** The landing {@link #routed} was made for, and that route: both on the courier's own thread. */
    private Landing routedFor;
    private RecipientOutcome.Route routed;
    /** Set by the scheduler ({@link #halt}) to stop the batch under way after its transaction. */
    private volatile boolean haltRequested;

    /** @param messages reads a queued message back from the spool ({@code Spool::message}) */
    Courier(long connection, NextHop hop, String site, EgressSource source, List<WorkItem> first, int maxMessages,
            Predicate<String> halts, Transport transport, OutcomeRecorder recorder, Consumer<Report> scheduler,
            Instant retryOnCrash, Function<QueueId, Optional<SpooledMessage>> messages) {
        this.connection = connection;
        this.messages = messages;
        this.hop = hop;
        this.site = site;
        this.source = source;
        this.batch = first;
        this.maxMessages = maxMessages;
        this.halts = halts;
        this.transport = transport;
        this.recorder = recorder;
        this.scheduler = scheduler;
        this.retryOnCrash = retryOnCrash;
    }

    /**
     * Asks the batch under way to stop after the transaction in progress (the schedule's
     * {@code Halt}: a rule fired on another connection of the path, or its site was held). Called
     * on the scheduler thread; {@link #clearHalt} runs there too, before it hands the next batch,
     * so a halt meant for one batch never stops the next.
     */
    void halt() {
        haltRequested = true;
    }

    void clearHalt() {
        haltRequested = false;
    }

    /** Connections count against their path's limits until closed, QUIT included: they report after closing. */
    @Override
    public void run() {
        int carried = 0;
        Transport.Session session = transport.open(hop, source);
        try {
            while (true) {
                Report report = carry(session, carried);
                carried += report.attempt().attempted();
                if (report.next() == null) {
                    session.close();
                    scheduler.accept(report);
                    return;
                }
                scheduler.accept(report);
                batch = report.next().join();
                if (batch.isEmpty()) {
                    session.close();
                    scheduler.accept(new Report(connection, null, null));
                    return;
                }
            }
        } catch (RuntimeException e) {
            session.close();
            throw e;
        }
    }

    /**
     * Where the session's last item went: this path's site and source, the connection's two ends.
     * Made again only when the session lands somewhere else (a new connection), not per message.
     */
    private RecipientOutcome.Route route(Transport.Session session) {
        Landing at = session.landing().orElse(null);
        if (routed != null && Objects.equals(at, routedFor)) return routed;
        routedFor = at;
        routed = at == null ? new RecipientOutcome.Route(site, null, null, sourceName(), null, null)
                : new RecipientOutcome.Route(site, at.mxHost(), at.mx().getAddress().getHostAddress(), sourceName(),
                        at.local().getHostAddress(), at.tlsProtocol());
        return routed;
    }

    private String sourceName() {
        return source.name().isEmpty() ? null : source.name();
    }

    /** The reply as the rules see it: code and text, lines joined by a space. */
    static String ruleText(Outcome outcome) {
        return outcome.reply().toString().strip().replace("\r\n", " ");
    }

    /**
     * Carries the batch one transaction at a time, each one's outcomes made durable before the
     * next begins: a crash then repeats at most the message under way, not the whole batch.
     */
    private Report carry(Transport.Session session, int carriedBefore) {
        List<Attempt.Retry<WorkItem>> retries = new ArrayList<>();
        List<Outcome> all = new ArrayList<>();
        List<String> replies = new ArrayList<>();
        int done = 0;
        boolean halted = false;
        try {
            for (WorkItem item : batch) {
                if (haltRequested) {
                    halted = true;                        // the schedule stopped this batch
                    break;
                }
                Optional<SpooledMessage> message = messages.apply(item.queueId());
                if (message.isEmpty()) {
                    done++;                               // final meanwhile: nothing to carry
                    continue;
                }
                Parcel parcel = new Parcel(item, message.get());
                Optional<List<Outcome>> delivered = session.deliver(parcel);
                if (delivered.isEmpty()) break;         // the relay is stopping
                List<Outcome> outcomes = delivered.get();
                Attempt.Retry<WorkItem> retry = recorder.record(session.via(), route(session), parcel, outcomes);
                if (retry != null) retries.add(retry);
                all.addAll(outcomes);
                done++;
                // Each distinct reply of this connection is judged by the rules once, when first seen.
                for (Outcome o : outcomes) {
                    if (o instanceof Outcome.Delivered) continue;
                    String text = ruleText(o);
                    if (replies.contains(text)) continue;
                    replies.add(text);
                    halted |= halts.test(text);
                }
                if (halted) break;
            }
        } catch (RuntimeException e) {
            // A bug must not lose mail: what was not recorded is simply tried again later.
            LOG.log(System.Logger.Level.ERROR, "courier failed dest=" + hop, e);
            batch.subList(done, batch.size()).forEach(item -> retries.add(new Attempt.Retry<>(item, retryOnCrash)));
            return new Report(connection, new Attempt<>(done, retries, List.of(), replies, false, e.toString(), false, 0), null);
        }
        boolean siteFailed = !all.isEmpty()
                && all.stream().allMatch(o -> o instanceof Outcome.Deferred d && d.scope() == Outcome.Scope.SITE);
        String lastError = all.stream().filter(o -> !(o instanceof Outcome.Delivered))
                .reduce((a, b) -> b).map(o -> o.reply().toString().strip()).orElse(null);
        int budget = maxMessages - carriedBefore - done;
        // A rule that fired stops the batch, not the connection: the schedule hangs it up if the
        // path is now suspended, and otherwise hands it work at the throttled pace.
        boolean again = !siteFailed && budget > 0 && session.isReusable() && (halted || done == batch.size());
        List<WorkItem> untouched = batch.subList(done, batch.size());
        return new Report(connection, new Attempt<>(done, retries, untouched, replies, siteFailed, lastError, again, budget),
                again ? new CompletableFuture<>() : null);
    }
}
