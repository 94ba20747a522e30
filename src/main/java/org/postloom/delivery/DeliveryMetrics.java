package org.postloom.delivery;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.postloom.dns.Resolution;

/**
 * What the outbound side counts. Labels are bounded: events, result kinds, never a domain.
 */
public final class DeliveryMetrics {

    private final MeterRegistry registry;
    private final Timer latency;
    private final Timer dns;

    public DeliveryMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.latency = Timer.builder("postloom.delivery.latency")
                .description("from arrival to delivery at the next hop")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofDays(5))
                .register(registry);
        this.dns = Timer.builder("postloom.dns.lookup").description("MX resolution, with address lookups")
                .publishPercentileHistogram().register(registry);
    }

    public static DeliveryMetrics none() {
        return new DeliveryMetrics(new SimpleMeterRegistry());
    }

    /** One recipient's attempt ended: delivered, deferred, bounced or expired. */
    void recipient(String event, Duration sinceArrival) {
        registry.counter("postloom.delivery.recipients", "result", event).increment();
        if (event.equals("delivered")) latency.record(sinceArrival.isNegative() ? Duration.ZERO : sinceArrival);
    }

    public void dnsLookup(long nanos) {
        dns.record(nanos, TimeUnit.NANOSECONDS);
    }

    void dnsResult(Resolution resolution) {
        if (resolution instanceof Resolution.Hosts) return;
        registry.counter("postloom.dns.failures", "kind", resolution.getClass().getSimpleName()).increment();
    }
}
