package org.postloom.delivery;

import java.util.Map;

/**
 * The scheduler's limits.
 *
 * @param maxConnections            outbound connections at once, all destinations together
 * @param maxConnectionsPerDestination default concurrency for one destination
 * @param destinationConnections    per-destination overrides of that, by destination key
 * @param messagesPerConnection     work items one connection carries before it is closed
 * @param retry                     when deferred mail is tried again, and when it gives up
 */
public record DeliverySettings(int maxConnections, int maxConnectionsPerDestination,
                               Map<String, Integer> destinationConnections, int messagesPerConnection,
                               RetryPolicy retry) {

    public DeliverySettings {
        destinationConnections = Map.copyOf(destinationConnections);
        if (maxConnections < 1 || maxConnectionsPerDestination < 1 || messagesPerConnection < 1) {
            throw new IllegalArgumentException("delivery limits must be positive");
        }
    }

    int connectionsFor(String destination) {
        return destinationConnections.getOrDefault(destination, maxConnectionsPerDestination);
    }
}
