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
import org.postloom.spool.SpooledMessage;

/**
 * Turns one attempt's outcomes into durable recipient states: delivered, failed (and bounced),
 * or deferred to a retry time, each with what the sender's report will say of it. The events, and
 * the reports the states make due ({@link MessageReports}: failed and relayed once the message is
 * done, delayed once past the delay warning), are made durable before the states are recorded, so
 * a crash in between can repeat an event or a report but never lose one.
 */
final class OutcomeRecorder {

    private final MessageReports reports;
    private final RetryPolicy retry;
    private final Duration delayWarning;
    private final Clock clock;
    private final RandomGenerator random;
    private final DeliveryMetrics metrics;
    private final DeliveryEvents events;

    OutcomeRecorder(MessageReports reports, RetryPolicy retry, Duration delayWarning, Clock clock,
                    RandomGenerator random, DeliveryMetrics metrics, DeliveryEvents events) {
        this.metrics = metrics;
        this.events = events;
        this.reports = reports;
        this.retry = retry;
        this.delayWarning = delayWarning;
        this.clock = clock;
        this.random = random;
    }

    /**
     * Records the outcomes of one item; returns what must be tried again, if anything.
     *
     * @param via   the log's account of the connection
     * @param route where the attempt went (the report's Remote-MTA is the route's MX host)
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
        List<Integer> again = new ArrayList<>();
        List<RecipientOutcome> outcomeEvents = new ArrayList<>();
        for (int i = 0; i < item.recipients().size(); i++) {
            int index = item.recipients().get(i);
            Mailbox rcpt = message.envelope().recipients().get(index);
            Outcome outcome = outcomes.get(i);
            String reply = outcome.reply().toString().strip();
            RecipientOutcome.Kind kind = kindOf(outcome, expired);
            String status = outcome.reply().enhancedStatus();
            // An expiration reports what its bounce message says (RFC 3463 5.4.7), with the last reply.
            String eventStatus = kind == RecipientOutcome.Kind.EXPIRED ? "5.4.7" : status;
            outcomeEvents.add(new RecipientOutcome(index, rcpt, kind, outcome.reply().code(), eventStatus, reply));
            // Remote-MTA names the host whose reply this is; a judgement of our own names none (RFC 3464 2.3.5).
            var attempted = Optional.of(new RecipientState.Attempted(status, outcome.fromServer() ? remoteMta : "", now));
            String event = switch (outcome) {
                case Outcome.Delivered d -> {
                    boolean relayReport = !d.dsnPassedOn() && message.envelope().dsnOf(index).wantsSuccess();
                    states.put(index, relayReport ? new RecipientState.Delivered(reply, attempted) : RecipientState.DELIVERED);
                    yield "delivered";
                }
                case Outcome.Failed f -> {
                    states.put(index, new RecipientState.Failed(reply, attempted));
                    yield "bounced";
                }
                case Outcome.Deferred d when expired -> {
                    String why = "gave up after " + retry.maxLifetime().toDays() + " days in the queue; last reply: " + reply;
                    // RFC 3463: 5.4.7, delivery time expired; our judgement, whoever said the last reply
                    states.put(index, new RecipientState.Failed(why,
                            Optional.of(new RecipientState.Attempted("5.4.7", "", now))));
                    yield "expired";
                }
                case Outcome.Deferred d -> {
                    states.put(index, new RecipientState.Deferred(next, reply, warnDelay, attempted));
                    again.add(index);
                    yield "deferred";
                }
            };
            metrics.recipient(event, delay);
            MessageLog.recipient(event, message.queueId(), rcpt, via, delay, status, next, reply);
        }
        try {
            events.outcomes(message, route, outcomeEvents);
            reports.record(message, states,
                    new MessageReports.Occasion(now, warnDelay, arrival.plus(retry.maxLifetime()), true));
        } catch (IOException e) { // an IntakeException from the spool, or the event journal
            // Nothing new is durable: the spool still says what it said before, so try it all again.
            MessageLog.notRecorded(message.queueId(), e.getMessage());
            return new Attempt.Retry<>(item.item(), now.plus(retry.minBackoff()));
        }
        return again.isEmpty() ? null : new Attempt.Retry<>(item.item().withRecipients(again), next);
    }

    /** What the event journal calls this outcome. */
    private static RecipientOutcome.Kind kindOf(Outcome outcome, boolean expired) {
        return switch (outcome) {
            case Outcome.Delivered d -> RecipientOutcome.Kind.DELIVERED;
            case Outcome.Failed f when SuppressingTransport.isSuppression(f) -> RecipientOutcome.Kind.SUPPRESSED;
            case Outcome.Failed f -> RecipientOutcome.Kind.FAILED;
            case Outcome.Deferred d when expired -> RecipientOutcome.Kind.EXPIRED;
            case Outcome.Deferred d -> RecipientOutcome.Kind.DEFERRED;
        };
    }
}
