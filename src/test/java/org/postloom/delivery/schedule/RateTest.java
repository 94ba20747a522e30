package org.postloom.delivery.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RateTest {

    @Test
    void ratesArePerSecondMinuteOrHour() {
        assertThat(Rate.parse("500/s")).isEqualTo(new Rate(500, Duration.ofSeconds(1)));
        assertThat(Rate.parse("30/min").intervalNanos()).isEqualTo(2_000_000_000L);
        assertThat(Rate.parse(" 3600 / h ").perSecond()).isEqualTo(1.0);
    }

    @Test
    void anythingElseIsRefusedNamingTheText() {
        for (String bad : new String[] {"10/fortnight", "10", "/s", "0/s", "-1/s", "ten/s"}) {
            assertThatThrownBy(() -> Rate.parse(bad)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(bad);
        }
    }
}
