package org.postloom.events;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The events part's settings, checked: {@link #of} refuses bad values with one line naming the
 * setting. {@code headers} are header field names copied into every event of a message.
 */
public record EventSettings(
        Optional<Path> file, long fileMaxSize, int fileKeep,
        Optional<URI> webhookUrl, Optional<String> webhookSecret, int webhookBatchSize, Duration webhookTimeout,
        Optional<String> kafkaServers, String kafkaTopic,
        List<String> headers, Optional<Path> bounceClassesFile, Duration maxBackoff,
        boolean suppressionEnabled, Set<BounceClass> suppressionClasses) {

    /** From the raw settings (empty strings meaning off), each one checked. */
    public static EventSettings of(Optional<String> file, long fileMaxSize, int fileKeep,
                                   Optional<String> webhookUrl, Optional<String> webhookSecret, int webhookBatchSize,
                                   Duration webhookTimeout, Optional<String> kafkaServers, Optional<String> kafkaTopic,
                                   List<String> headers, Optional<String> bounceClassesFile, Duration maxBackoff,
                                   boolean suppressionEnabled, List<String> suppressionClasses) {
        Optional<String> kafka = present(kafkaServers).map(KafkaSink::checkServers);
        String topic = kafkaTopic.map(String::strip).orElse("");
        if (kafka.isPresent() && topic.isEmpty()) {
            throw new IllegalArgumentException("postloom.events.kafka.topic: required when postloom.events.kafka.bootstrap-servers is set");
        }
        if (webhookBatchSize < 1) throw new IllegalArgumentException("postloom.events.webhook.batch-size: must be at least 1, got " + webhookBatchSize);
        Set<BounceClass> classes = new java.util.LinkedHashSet<>();
        for (String c : suppressionClasses) {
            if (c.isBlank()) continue;
            classes.add(BounceClass.ofWireName(c).orElseThrow(() ->
                    new IllegalArgumentException("postloom.suppression.classes: unknown bounce class " + c.strip())));
        }
        return new EventSettings(present(file).map(Path::of), fileMaxSize, fileKeep,
                present(webhookUrl).map(WebhookSink::parseUrl), webhookSecret, webhookBatchSize, webhookTimeout,
                kafka, topic, headers.stream().map(String::strip).filter(h -> !h.isEmpty()).toList(),
                present(bounceClassesFile).map(Path::of), maxBackoff, suppressionEnabled, Set.copyOf(classes));
    }

    private static Optional<String> present(Optional<String> value) {
        return value.map(String::strip).filter(s -> !s.isEmpty());
    }

    /** Whether any sink is on (else no journal is kept at all). */
    public boolean anySink() {
        return file.isPresent() || webhookUrl.isPresent() || kafkaServers.isPresent();
    }
}
