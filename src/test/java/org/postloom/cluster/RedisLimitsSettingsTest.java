package org.postloom.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The cluster settings refuse bad values with one line that names the setting and the value. */
class RedisLimitsSettingsTest {

    private static final Duration TTL = Duration.ofSeconds(30);

    @Test
    void acceptsARedisUri() {
        var settings = new RedisLimits.Settings("redis://127.0.7.1:6390", "node1", TTL, 3);
        assertThat(settings.uri().getHost()).isEqualTo("127.0.7.1");
        assertThat(settings.uri().getPort()).isEqualTo(6390);
    }

    @Test
    void refusesWhatIsNotARedisUri() {
        assertThatThrownBy(() -> new RedisLimits.Settings("127.0.7.1:6390", "node1", TTL, 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("postloom.cluster.redis='127.0.7.1:6390' is not redis://host:port");
    }

    @Test
    void refusesASizeBelowOne() {
        assertThatThrownBy(() -> new RedisLimits.Settings("redis://127.0.7.1:6390", "node1", TTL, 0))
                .hasMessage("postloom.cluster.size=0 must be at least 1");
    }

    @Test
    void refusesALeaseTimeTooShortToRenew() {
        assertThatThrownBy(() -> new RedisLimits.Settings("redis://127.0.7.1:6390", "node1", Duration.ofMillis(100), 3))
                .hasMessage("postloom.cluster.lease-ttl=PT0.1S is too short (at least PT0.3S)");
    }

    @Test
    void refusesANodeNameWithATab() {
        assertThatThrownBy(() -> new RedisLimits.Settings("redis://127.0.7.1:6390", "a\tb", TTL, 3))
                .hasMessageStartingWith("postloom.cluster.node=");
    }
}
