package org.postloom.delivery;

import java.time.Duration;
import java.util.Map;
import org.postloom.delivery.schedule.ShapingPolicy;

/**
 * The delivery engine's settings.
 *
 * @param shaping      limits per egress path, reply rules, per-source caps, the global connection cap
 * @param retry        when deferred mail is tried again, and when it gives up
 * @param delayWarning a recipient deferred this long gets a DELAY report; zero = never
 *                     ({@code postloom.delivery.delay-warning})
 * @param pools        how a message's egress source is chosen
 * @param sources      the egress sources by name
 * @param hostname     {@code postloom.hostname}: the EHLO name of mail without a source
 */
public record DeliverySettings(ShapingPolicy shaping, RetryPolicy retry, Duration delayWarning, EgressPools pools,
                               Map<String, EgressSource> sources, String hostname) {

    public DeliverySettings {
        sources = Map.copyOf(sources);
        if (delayWarning.isNegative()) {
            throw new IllegalArgumentException("postloom.delivery.delay-warning must not be negative: " + delayWarning);
        }
    }

    /** Shaping as given, no egress sources, no delay reports. */
    public static DeliverySettings of(ShapingPolicy shaping, RetryPolicy retry, String hostname) {
        return new DeliverySettings(shaping, retry, Duration.ZERO, EgressPools.none(), Map.of(), hostname);
    }

    EgressSource source(String name) {
        EgressSource source = sources.get(name);
        return source != null ? source : EgressSource.none(hostname);
    }
}
