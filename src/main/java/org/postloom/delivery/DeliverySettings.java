package org.postloom.delivery;

import java.time.Duration;
import java.util.Map;

/**
 * The scheduler's limits.
 *
 * @param maxConnections            outbound connections at once, all destinations together
 * @param maxConnectionsPerDestination default concurrency for one destination
 * @param destinationConnections    per-destination overrides of that, by destination key
 * @param messagesPerConnection     work items one connection carries before it is closed
 * @param retry                     when deferred mail is tried again, and when it gives up
 * @param delayWarning              a recipient deferred this long gets a DELAY report; zero = never
 *                                  ({@code postloom.delivery.delay-warning})
 */
public record DeliverySettings(int maxConnections, int maxConnectionsPerDestination,
                               Map<String, Integer> destinationConnections, int messagesPerConnection,
                               RetryPolicy retry, Duration delayWarning) {

    /** Without delay reports. */
    public DeliverySettings(int maxConnections, int maxConnectionsPerDestination,
                            Map<String, Integer> destinationConnections, int messagesPerConnection, RetryPolicy retry) {
        this(maxConnections, maxConnectionsPerDestination, destinationConnections, messagesPerConnection, retry,
                Duration.ZERO);
    }

    public DeliverySettings {
        destinationConnections = Map.copyOf(destinationConnections);
        if (maxConnections < 1 || maxConnectionsPerDestination < 1 || messagesPerConnection < 1) {
            throw new IllegalArgumentException("delivery limits must be positive");
        }
        if (delayWarning.isNegative()) {
            throw new IllegalArgumentException("postloom.delivery.delay-warning must not be negative: " + delayWarning);
        }
    }

    int connectionsFor(String destination) {
        return destinationConnections.getOrDefault(destination, maxConnectionsPerDestination);
    }
}
