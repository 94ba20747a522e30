package org.postloom.delivery;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.random.RandomGenerator;
import org.postloom.delivery.client.Outcome;
import org.postloom.delivery.schedule.Attempt;
import org.postloom.events.DeliveryEvents;
import org.postloom.events.RecipientOutcome;
import org.postloom.spool.Spool;
import org.postloom.testing.Defaults;

/**
 * An {@link OutcomeRecorder} as the report tests drive it: built from a spool and a bouncer with
 * the default retry policy and a 4-hour delay warning, told where an attempt went by the MX host
 * name alone (the relay itself gives the whole route, from the courier's connection).
 */
record RecorderFixture(OutcomeRecorder recorder) {

    RecorderFixture(Spool spool, Bouncer bouncer, Clock clock) {
        this(new OutcomeRecorder(new MessageReports(spool, bouncer), Defaults.retryPolicy(), Duration.ofHours(4), clock,
                RandomGenerator.getDefault(), DeliveryMetrics.none(), DeliveryEvents.none()));
    }

    /** @param remoteMta the MX host the item went to, for the reports; empty if none was reached */
    Attempt.Retry<WorkItem> record(String via, String remoteMta, Parcel item, List<Outcome> outcomes) {
        var route = new RecipientOutcome.Route(item.item().hop().toString(), remoteMta.isEmpty() ? null : remoteMta,
                null, null, null, null);
        return recorder.record(via, route, item, outcomes);
    }
}
