package org.postloom.delivery;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.postloom.delivery.client.Outcome;
import org.postloom.intake.IntakeException;
import org.postloom.mail.Mailbox;
import org.postloom.spool.RecipientState;
import org.postloom.spool.Spool;
import org.postloom.spool.SpoolException;
import org.postloom.spool.SpooledMessage;

/**
 * Turns one attempt's outcomes into durable recipient states: delivered, failed (and bounced),
 * or deferred to a retry time. The bounce is made durable before the failure is recorded, so a
 * crash in between can repeat a bounce but never lose one.
 */
final class OutcomeRecorder {

    /** Recipients of an item that are to be tried again, and when. */
    record Retry(WorkItem item, Instant due) {}

    private final Spool spool;
    private final Bouncer bouncer;
    private final RetryPolicy retry;
    private final Clock clock;
    private final RandomGenerator random;
    private final DeliveryMetrics metrics;

    OutcomeRecorder(Spool spool, Bouncer bouncer, RetryPolicy retry, Clock clock, RandomGenerator random,
                    DeliveryMetrics metrics) {
        this.metrics = metrics;
        this.spool = spool;
        this.bouncer = bouncer;
        this.retry = retry;
        this.clock = clock;
        this.random = random;
    }

    /** Records the outcomes of one item; returns what must be tried again, if anything. */
    Retry record(NextHop hop, String via, WorkItem item, List<Outcome> outcomes) {
        SpooledMessage message = item.message();
        Instant now = clock.instant();
        Instant arrival = message.envelope().arrival();
        boolean expired = retry.expired(arrival, now);
        Instant next = retry.nextAttempt(arrival, now, random);
        Duration delay = Duration.between(arrival, now);
        Map<Integer, RecipientState> states = new HashMap<>();
        List<Bouncer.Failure> failures = new ArrayList<>();
        List<Integer> again = new ArrayList<>();
        for (int i = 0; i < item.recipients().size(); i++) {
            int index = item.recipients().get(i);
            Mailbox rcpt = message.envelope().recipients().get(index);
            Outcome outcome = outcomes.get(i);
            String reply = outcome.reply().toString().strip();
            String event = switch (outcome) {
                case Outcome.Delivered d -> {
                    states.put(index, RecipientState.DELIVERED);
                    yield "delivered";
                }
                case Outcome.Failed f -> {
                    states.put(index, new RecipientState.Failed(reply));
                    failures.add(new Bouncer.Failure(rcpt, f.reply().enhancedStatus(), reply));
                    yield "bounced";
                }
                case Outcome.Deferred d when expired -> {
                    String why = "gave up after " + retry.maxLifetime().toDays() + " days in the queue; last reply: " + reply;
                    states.put(index, new RecipientState.Failed(why));
                    failures.add(new Bouncer.Failure(rcpt, "5.4.7", why));  // RFC 3463: delivery time expired
                    yield "expired";
                }
                case Outcome.Deferred d -> {
                    states.put(index, new RecipientState.Deferred(next, reply));
                    again.add(index);
                    yield "deferred";
                }
            };
            metrics.recipient(event, delay);
            MessageLog.recipient(event, message.queueId(), rcpt, via, delay, outcome.reply().enhancedStatus(), next, reply);
        }
        try {
            if (!failures.isEmpty()) bouncer.bounce(message, failures);
            spool.recordAll(message.queueId(), states);
        } catch (IntakeException e) {
            // Nothing new is durable: the spool still says what it said before, so try it all again.
            MessageLog.notRecorded(message.queueId(), e.getMessage());
            return new Retry(item, now.plus(retry.minBackoff()));
        }
        return again.isEmpty() ? null : new Retry(new WorkItem(message, again), next);
    }
}
