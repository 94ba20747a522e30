package org.postloom.smtp.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Locale;
import org.postloom.smtp.BodyOutcome;
import org.postloom.smtp.Reply;

/**
 * What the inbound side counts. Every label has a bounded set of values (outcomes, RFC 3463
 * status codes, TLS versions), never one per client or domain.
 */
public final class SmtpMetrics {

    private final MeterRegistry registry;
    private final Counter connections;
    private final Counter refused;
    private final Counter bytes;

    public SmtpMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.connections = Counter.builder("postloom.smtp.connections").description("inbound connections accepted").register(registry);
        this.refused = Counter.builder("postloom.smtp.connections.refused").description("inbound connections refused at the limit").register(registry);
        this.bytes = Counter.builder("postloom.smtp.received.bytes").description("message octets received").register(registry);
    }

    /** Counts into a registry nobody reads: for tests and tools that need no metrics. */
    public static SmtpMetrics none() {
        return new SmtpMetrics(new SimpleMeterRegistry());
    }

    public MeterRegistry registry() {
        return registry;
    }

    void connected() {
        connections.increment();
    }

    void refused() {
        refused.increment();
    }

    void tlsStarted(String protocol) {
        registry.counter("postloom.smtp.tls.sessions", "protocol", protocol).increment();
    }

    /** The end of a message body: accepted, or refused and why. */
    void body(BodyOutcome outcome, long octets) {
        if (outcome == BodyOutcome.CHUNK_STORED) {
            bytes.increment(octets);
            return;
        }
        registry.counter("postloom.smtp.messages", "result", outcome.name().toLowerCase(Locale.ROOT)).increment();
        if (outcome == BodyOutcome.STORED) bytes.increment(octets);
    }

    /** A refusal sent to a client (4xx or 5xx), by its enhanced status code. */
    void refusal(Reply reply) {
        if (reply.isPositive()) return;
        // Our own replies' codes: a fixed set in the code, so the label stays bounded.
        String status = reply.status().isEmpty() ? "none" : reply.status();
        registry.counter("postloom.smtp.refusals", "code", String.valueOf(reply.code()), "status", status).increment();
    }
}
