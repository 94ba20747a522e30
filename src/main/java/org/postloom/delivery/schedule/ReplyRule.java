package org.postloom.delivery.schedule;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reply automation ({@code postloom.shaping.rules[N]}): when a remote reply on a watched site
 * matches, the egress path it came on is suspended or throttled for a while.
 *
 * @param index the rule's {@code N}, for the log
 * @param rate        the path's message rate while a throttle holds (throttle only)
 * @param connections the path's connections at most while a throttle holds (throttle only; empty =
 *                    its usual maximum)
 */
public record ReplyRule(int index, SiteMatch match, Pattern reply, Action action, Duration duration, Optional<Rate> rate,
                        Optional<Integer> connections) {

    public enum Action { SUSPEND, THROTTLE }

    public ReplyRule {
        if (action == Action.THROTTLE && rate.isEmpty()) throw new IllegalArgumentException("a throttle needs max-message-rate");
        if (duration.isNegative() || duration.isZero()) throw new IllegalArgumentException("duration must be positive");
        if (connections.isPresent() && connections.get() < 1) throw new IllegalArgumentException("max-connections must be positive");
    }

    /** The remote reply, code and text, lines joined by a space (CONTRACT.md section 2). */
    boolean matches(String reply) {
        return this.reply.matcher(reply).find();
    }
}
