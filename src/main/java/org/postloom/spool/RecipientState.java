package org.postloom.spool;

import java.time.Instant;
import java.util.Objects;

/**
 * Where one recipient of a queued message stands. Delivered and failed are final: a message whose
 * recipients are all final leaves the queue, and its space can be reclaimed.
 */
public sealed interface RecipientState {

    RecipientState PENDING = new Pending();
    RecipientState DELIVERED = new Delivered();

    /** Whether nothing more will be attempted for this recipient. */
    default boolean isFinal() {
        return this instanceof Delivered || this instanceof Failed;
    }

    /** Not yet attempted. */
    record Pending() implements RecipientState { }

    /** The next hop accepted it (RFC 5321 6.1: responsibility moved on). */
    record Delivered() implements RecipientState { }

    /**
     * A transient failure (4xx or no connection): try again at {@code nextAttempt}.
     *
     * @param delayReported whether the sender was told of the delay already (RFC 3461 4.1 DELAY:
     *                      one report per recipient, kept across restarts)
     */
    record Deferred(Instant nextAttempt, String reply, boolean delayReported) implements RecipientState {
        public Deferred {
            Objects.requireNonNull(nextAttempt);
            Objects.requireNonNull(reply);
        }

        public Deferred(Instant nextAttempt, String reply) {
            this(nextAttempt, reply, false);
        }
    }

    /** A permanent failure (5xx, or given up): a bounce is due to the sender. */
    record Failed(String reply) implements RecipientState {
        public Failed {
            Objects.requireNonNull(reply);
        }
    }
}
