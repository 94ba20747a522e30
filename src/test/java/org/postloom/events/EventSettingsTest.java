package org.postloom.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.postloom.config.ConfigLoader;
import org.postloom.config.PostloomConfig;

/** Bad event settings refuse the start with one line naming the setting; good ones come through as given. */
class EventSettingsTest {

    private static EventSettings of(String url, String servers, String topic, List<String> classes) {
        return EventSettings.of(Optional.empty(), 1000, 1, Optional.ofNullable(url), Optional.empty(), 100, Duration.ofSeconds(5),
                Optional.ofNullable(servers), Optional.ofNullable(topic), List.of(), Optional.empty(), Duration.ofSeconds(5),
                true, classes);
    }

    @Test
    void aMalformedWebhookUrlNamesTheSetting() {
        assertThatThrownBy(() -> of("ftp://x.test/e", null, null, List.of()))
                .hasMessageStartingWith("postloom.events.webhook.url:").hasMessageContaining("ftp://x.test/e");
        assertThatThrownBy(() -> of("http://exa mple/", null, null, List.of())).hasMessageStartingWith("postloom.events.webhook.url:");
        assertThatThrownBy(() -> of("/just/a/path", null, null, List.of())).hasMessageStartingWith("postloom.events.webhook.url:");
    }

    @Test
    void kafkaNeedsHostPortsAndATopic() {
        assertThatThrownBy(() -> of(null, "kafka1", "t", List.of())).hasMessageStartingWith("postloom.events.kafka.bootstrap-servers:");
        assertThatThrownBy(() -> of(null, "k:9092", " ", List.of())).hasMessageStartingWith("postloom.events.kafka.topic:");
        assertThat(of(null, "k1:9092, k2:9093", "events", List.of()).kafkaServers()).contains("k1:9092, k2:9093");
    }

    @Test
    void suppressionClassesMustBeKnown() {
        assertThatThrownBy(() -> of(null, null, null, List.of("invalid-recipient", "bogus")))
                .hasMessage("postloom.suppression.classes: unknown bounce class bogus");
        assertThat(of(null, null, null, List.of("mailbox-full", "reputation")).suppressionClasses())
                .containsExactlyInAnyOrder(BounceClass.MAILBOX_FULL, BounceClass.REPUTATION);
    }

    @Test
    void theContractsDefaultsComeFromTheConfigMapping() {
        PostloomConfig config = ConfigLoader.of(Map.of());
        assertThat(config.events().kafka().topic()).contains("postloom-events");
        assertThat(config.events().webhook().batchSize()).isEqualTo(100);
        assertThat(config.suppression().enabled()).isFalse();
        assertThat(config.suppression().classes()).containsExactly("invalid-recipient");
        assertThat(config.delivery().bounceMessages()).isTrue();
        assertThat(config.events().file()).isEmpty();
    }

    @Test
    void anEmptyTopicIsMissingAndRefusesTheStart() {
        PostloomConfig config = ConfigLoader.of(Map.of("postloom.events.kafka.topic", "",
                "postloom.events.kafka.bootstrap-servers", "127.0.3.9:9092"));
        assertThatThrownBy(() -> of(null, config.events().kafka().bootstrapServers().orElseThrow(), config.events().kafka().topic().orElse(null), List.of()))
                .hasMessageStartingWith("postloom.events.kafka.topic:");
    }
}
