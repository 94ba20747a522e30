package org.postloom.events;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where events go: a file, a webhook, Kafka. {@link #send} takes a batch of events (each one JSON
 * object) and completes once the sink has them for good, or fails; the pump retries a failed
 * batch and moves the sink's cursor only past batches that completed.
 */
public interface EventSink extends AutoCloseable {

    /** {@code file}, {@code webhook} or {@code kafka}: the metric's label and the cursor's name. */
    String name();

    /** Batches that may be under way at once. */
    default int inFlight() {
        return 1;
    }

    /** Events per batch at most. */
    default int batchSize() {
        return 100;
    }

    CompletableFuture<Void> send(List<byte[]> events);

    @Override
    default void close() {}
}
