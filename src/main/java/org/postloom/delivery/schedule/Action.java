package org.postloom.delivery.schedule;

import java.time.Instant;
import java.util.List;
import java.util.function.Predicate;

/** What {@link Schedule#tick} asks the loop around it to do. */
public sealed interface Action<W> {

    /** Look up the domain's MX records and tell {@link Schedule#resolved}. */
    record Resolve<W>(String domain) implements Action<W> {}

    /**
     * Open a connection on {@code path} to the site's hosts (found through {@code via}) and carry
     * {@code batch}; it may carry {@code maxMessages} in all. {@code halts} says which replies make
     * a rule fire: the connection then stops at once and reports.
     */
    record Open<W>(long connection, EgressPath path, Target via, List<W> batch, int maxMessages,
                   Predicate<String> halts) implements Action<W> {}

    /** Give more work to a connection that waits for it. */
    record Hand<W>(long connection, List<W> batch) implements Action<W> {}

    /**
     * Stop a busy connection's batch after the transaction under way: a rule fired on another
     * connection of its path, or the path's site was held. The connection reports what it did not
     * try, which goes back to the path's ready work in its order, so no batch handed out at the
     * old pace goes on unpaced or into a suspension.
     */
    record Halt<W>(long connection) implements Action<W> {}

    /** Tell a waiting connection to say QUIT. */
    record HangUp<W>(long connection) implements Action<W> {}

    /** A reply rule fired (log {@code site-suspended} or {@code site-throttled}). */
    record RuleFired<W>(ReplyRule rule, EgressPath path, Instant until, String reply) implements Action<W> {}
}
