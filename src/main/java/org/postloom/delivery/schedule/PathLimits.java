package org.postloom.delivery.schedule;

import java.util.Optional;

/**
 * The limits of one egress path (source x site), from {@code postloom.shaping.default} with the
 * keys of matching {@code postloom.shaping.sites} entries laid over them.
 *
 * @param maxConnections           connections at once
 * @param maxMessagesPerConnection messages (work items) one connection carries
 * @param messageRate              messages per time; empty = no cap
 * @param connectionRate           new connections per time; empty = no cap
 */
public record PathLimits(int maxConnections, int maxMessagesPerConnection, Optional<Rate> messageRate,
                         Optional<Rate> connectionRate) {

    public PathLimits {
        if (maxConnections < 1 || maxMessagesPerConnection < 1) throw new IllegalArgumentException("limits must be positive");
    }

    /** Some of the four keys, for the sites a {@link SiteMatch} selects. */
    public record Override(Optional<Integer> maxConnections, Optional<Integer> maxMessagesPerConnection,
                           Optional<Rate> messageRate, Optional<Rate> connectionRate) {

        PathLimits over(PathLimits base) {
            return new PathLimits(maxConnections.orElse(base.maxConnections),
                    maxMessagesPerConnection.orElse(base.maxMessagesPerConnection),
                    messageRate.or(base::messageRate), connectionRate.or(base::connectionRate));
        }
    }
}
