package org.postloom.delivery;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;
import org.postloom.delivery.schedule.Attempt;
import java.io.IOException;
import org.postloom.delivery.client.Outcome;
import org.postloom.events.DeliveryEvents;
import org.postloom.events.RecipientOutcome;
import org.postloom.mail.Mailbox;
import org.postloom.spool.RecipientState;
import org.postloom.spool.Spool;
import org.postloom.spool.SpooledMessage;

/**
 * Turns one attempt's outcomes into durable recipient states: delivered, failed (and bounced),
 * or deferred to a retry time. The events and the reports the attempt calls for (failed; delayed
 * past the delay warning; relayed to a hop without DSN, RFC 3461 5.2.2) are made durable before
 * the states are recorded, so a crash in between can repeat an event or a report but never lose one.
 */
final class OutcomeRecorder {


    /** The reports one attempt calls for, one list per kind. */
    private record Reports(List<Bouncer.Notice> failed, List<Bouncer.Notice> delayed, List<Bouncer.Notice> relayed) {
        Reports() {
            this(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        }
    }

    private final Spool spool;
    private final Bouncer bouncer;
    private final RetryPolicy retry;
    private final Duration delayWarning;
    private final Clock clock;
    private final RandomGenerator random;
    private final DeliveryMetrics metrics;
    private final DeliveryEvents events;

    OutcomeRecorder(Spool spool, Bouncer bouncer, RetryPolicy retry, Duration delayWarning, Clock clock,
                    RandomGenerator random, DeliveryMetrics metrics, DeliveryEvents events) {
        this.metrics = metrics;
        this.events = events;
        this.spool = spool;
        this.bouncer = bouncer;
        this.retry = retry;
        this.delayWarning = delayWarning;
        this.clock = clock;
        this.random = random;
    }

    /**
     * Records the outcomes of one item; returns what must be tried again, if anything.
     *
     * @param remoteMta the host the item went to, for the reports; empty if none was reached
     */
    Attempt.Retry<WorkItem> record(String via, String remoteMta, Parcel item, List<Outcome> outcomes) {
        return record(via, new RecipientOutcome.Route(item.item().hop().toString(), remoteMta.isEmpty() ? null : remoteMta,
                null, null, null, null), item, outcomes);
    }

    /**
     * As above, with where the attempt went as typed values (the report's Remote-MTA is the route's MX host).
     *
     * @param via the log's account of the connection
     */
    Attempt.Retry<WorkItem> record(String via, RecipientOutcome.Route route, Parcel item, List<Outcome> outcomes) {
        String remoteMta = route.mxHost() == null ? "" : route.mxHost();
        SpooledMessage message = item.message();
        Instant now = clock.instant();
        Instant arrival = message.envelope().arrival();
        boolean expired = retry.expired(arrival, now);
        Instant next = retry.nextAttempt(arrival, now, random);
        Duration delay = Duration.between(arrival, now);
        boolean warnDelay = !delayWarning.isZero() && delay.compareTo(delayWarning) >= 0;
        Map<Integer, RecipientState> states = new HashMap<>();
        Reports reports = new Reports();
        List<Integer> again = new ArrayList<>();
        List<RecipientOutcome> outcomeEvents = new ArrayList<>();
        // Where each recipient stands in the spool now (from memory): a delay mark may be newer than the parcel's copy.
        List<RecipientState> stored = spool.recipientStates(message.queueId()).orElse(message.recipients());
        for (int i = 0; i < item.recipients().size(); i++) {
            int index = item.recipients().get(i);
            Mailbox rcpt = message.envelope().recipients().get(index);
            Outcome outcome = outcomes.get(i);
            String reply = outcome.reply().toString().strip();
            RecipientOutcome.Kind kind = switch (outcome) {
                case Outcome.Delivered d -> RecipientOutcome.Kind.DELIVERED;
                case Outcome.Failed f when SuppressingTransport.SUPPRESSED.equals(f.reply()) -> RecipientOutcome.Kind.SUPPRESSED;
                case Outcome.Failed f -> RecipientOutcome.Kind.FAILED;
                case Outcome.Deferred d when expired -> RecipientOutcome.Kind.EXPIRED;
                case Outcome.Deferred d -> RecipientOutcome.Kind.DEFERRED;
            };
            String status = outcome.reply().enhancedStatus();
            // An expiration reports what its bounce message says (RFC 3463 5.4.7), with the last reply.
            String eventStatus = kind == RecipientOutcome.Kind.EXPIRED ? "5.4.7" : status;
            outcomeEvents.add(new RecipientOutcome(index, rcpt, kind, outcome.reply().code(), eventStatus, reply));
            String event = switch (outcome) {
                case Outcome.Delivered d -> {
                    states.put(index, RecipientState.DELIVERED);
                    if (!d.dsnPassedOn()) reports.relayed().add(new Bouncer.Notice(index, status, reply, remoteMta));
                    yield "delivered";
                }
                case Outcome.Failed f -> {
                    states.put(index, new RecipientState.Failed(reply));
                    reports.failed().add(new Bouncer.Notice(index, status, reply, remoteMta));
                    yield "bounced";
                }
                case Outcome.Deferred d when expired -> {
                    String why = "gave up after " + retry.maxLifetime().toDays() + " days in the queue; last reply: " + reply;
                    states.put(index, new RecipientState.Failed(why));
                    // RFC 3463: 5.4.7, delivery time expired
                    reports.failed().add(new Bouncer.Notice(index, "5.4.7", why, remoteMta));
                    yield "expired";
                }
                case Outcome.Deferred d -> {
                    boolean reported = warnDelay && delayReported(stored, index);
                    if (warnDelay && !reported) {
                        reports.delayed().add(new Bouncer.Notice(index, status, reply, remoteMta,
                                Optional.of(arrival.plus(retry.maxLifetime()))));
                    }
                    states.put(index, new RecipientState.Deferred(next, reply, warnDelay));
                    again.add(index);
                    yield "deferred";
                }
            };
            metrics.recipient(event, delay);
            MessageLog.recipient(event, message.queueId(), rcpt, via, delay, status, next, reply);
        }
        try {
            events.outcomes(message, route, outcomeEvents);
            if (!reports.failed().isEmpty()) bouncer.failed(message, reports.failed());
            if (!reports.delayed().isEmpty()) bouncer.delayed(message, reports.delayed());
            if (!reports.relayed().isEmpty()) bouncer.relayed(message, reports.relayed());
            spool.recordAll(message.queueId(), states);
        } catch (IOException e) { // an IntakeException from the spool, or the event journal
            // Nothing new is durable: the spool still says what it said before, so try it all again.
            MessageLog.notRecorded(message.queueId(), e.getMessage());
            return new Attempt.Retry<>(item.item(), now.plus(retry.minBackoff()));
        }
        return again.isEmpty() ? null : new Attempt.Retry<>(item.item().withRecipients(again), next);
    }

    /** Whether the spool says this recipient's delay was reported already (the item's copy may be older). */
    private static boolean delayReported(List<RecipientState> stored, int index) {
        return stored.get(index) instanceof RecipientState.Deferred d && d.delayReported();
    }
}
