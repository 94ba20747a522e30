package org.postloom.spool;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Where one recipient of a queued message stands. Delivered and failed are final: a message whose
 * recipients are all final leaves the queue, and its space can be reclaimed.
 *
 * <p>A state may keep what the sender's report on that recipient will say ({@link Attempted}):
 * reports go once per message and kind (RFC 3464), so what one attempt learnt must wait in the
 * spool, across restarts and compaction, until the report that lists it is sent.
 */
public sealed interface RecipientState {

    RecipientState PENDING = new Pending();
    RecipientState DELIVERED = new Delivered();

    /** Whether nothing more will be attempted for this recipient. */
    default boolean isFinal() {
        return this instanceof Delivered || this instanceof Failed;
    }

    /**
     * What a report says of a recipient besides its reply (RFC 3464 2.3.4, 2.3.5, 2.3.7).
     *
     * @param status    the enhanced status code (RFC 3463)
     * @param remoteMta the host whose reply this was; empty when the reply is the relay's own
     *                  (no MX, expired, TLS policy): then no Remote-MTA is reported
     * @param at        when the attempt ended (Last-Attempt-Date)
     */
    record Attempted(String status, String remoteMta, Instant at) {
        public Attempted {
            Objects.requireNonNull(status);
            Objects.requireNonNull(remoteMta);
            Objects.requireNonNull(at);
        }
    }

    /** Not yet attempted. */
    record Pending() implements RecipientState { }

    /**
     * The next hop accepted it (RFC 5321 6.1: responsibility moved on).
     *
     * @param relayReport when the next hop did not take the DSN parameters and the sender asked for
     *                    NOTIFY=SUCCESS: the reply and particulars of the {@code relayed} report owed
     *                    (RFC 3461 5.2.2); empty otherwise, and then {@code reply} is empty too
     */
    record Delivered(String reply, Optional<Attempted> relayReport) implements RecipientState {
        public Delivered {
            Objects.requireNonNull(reply);
            Objects.requireNonNull(relayReport);
        }

        public Delivered() {
            this("", Optional.empty());
        }
    }

    /**
     * A transient failure (4xx or no connection): try again at {@code nextAttempt}.
     *
     * @param delayReported whether the sender was told of the delay already (RFC 3461 4.1 DELAY:
     *                      one report per recipient, kept across restarts)
     * @param attempted     the particulars of the attempt, for a delay report (empty in records
     *                      written before they were kept)
     */
    record Deferred(Instant nextAttempt, String reply, boolean delayReported, Optional<Attempted> attempted)
            implements RecipientState {
        public Deferred {
            Objects.requireNonNull(nextAttempt);
            Objects.requireNonNull(reply);
            Objects.requireNonNull(attempted);
        }

        public Deferred(Instant nextAttempt, String reply, boolean delayReported) {
            this(nextAttempt, reply, delayReported, Optional.empty());
        }

        public Deferred(Instant nextAttempt, String reply) {
            this(nextAttempt, reply, false);
        }

        /** This deferral, with its delay reported. */
        public Deferred reported() {
            return new Deferred(nextAttempt, reply, true, attempted);
        }
    }

    /**
     * A permanent failure (5xx, or given up): a bounce is due to the sender.
     *
     * @param attempted the particulars for the failure report (empty in records written before
     *                  they were kept)
     */
    record Failed(String reply, Optional<Attempted> attempted) implements RecipientState {
        public Failed {
            Objects.requireNonNull(reply);
            Objects.requireNonNull(attempted);
        }

        public Failed(String reply) {
            this(reply, Optional.empty());
        }
    }
}
