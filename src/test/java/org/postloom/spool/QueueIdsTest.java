package org.postloom.spool;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import org.junit.jupiter.api.Test;
import org.postloom.mail.QueueId;

class QueueIdsTest {

    static QueueId anyId() {
        return new QueueIds(Clock.systemUTC()).next();
    }

    @Test
    void idsAreShortAlphanumericAndUnique() {
        var ids = new QueueIds(Clock.systemUTC());
        var seen = new HashSet<String>();
        for (int i = 0; i < 100_000; i++) {
            var id = ids.next().value();
            assertThat(id).hasSize(15).matches("[0-9A-Za-z]+");
            assertThat(seen.add(id)).isTrue();
        }
    }

    @Test
    void idsSortByTimeAndDifferBetweenRuns() {
        var early = Clock.fixed(Instant.parse("2025-01-01T00:00:00Z"), ZoneOffset.UTC);
        var late = Clock.fixed(Instant.parse("2025-01-01T00:00:00.001Z"), ZoneOffset.UTC);
        assertThat(new QueueIds(early).next().value()).isLessThan(new QueueIds(late).next().value());
        // Two runs at the same instant still differ (random part per run).
        assertThat(new QueueIds(early).next()).isNotEqualTo(new QueueIds(early).next());
    }

    @Test
    void base62KeepsTheLowDigitsZeroPadded() {
        assertThat(QueueIds.base62(0, 4)).isEqualTo("0000");
        assertThat(QueueIds.base62(61, 2)).isEqualTo("0z");
        assertThat(QueueIds.base62(62, 2)).isEqualTo("10");
        assertThat(QueueIds.base62(62 * 62, 2)).isEqualTo("00");
    }
}
