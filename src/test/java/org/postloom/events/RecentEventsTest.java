package org.postloom.events;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The status page's ring: newest first, per type, only the last {@code capacity} kept. */
class RecentEventsTest {

    @Test
    void keepsTheNewestOfEachTypeNewestFirst() {
        RecentEvents recent = new RecentEvents(3);
        for (int i = 1; i <= 5; i++) recent.add(event("b" + i, EventType.BOUNCE));
        recent.add(event("d1", EventType.DELIVERY));
        assertThat(recent.recent(EventType.BOUNCE, 10)).extracting(Event::id).containsExactly("b5", "b4", "b3");
        assertThat(recent.recent(EventType.BOUNCE, 2)).extracting(Event::id).containsExactly("b5", "b4");
        assertThat(recent.recent(EventType.DELIVERY, 10)).extracting(Event::id).containsExactly("d1");
        assertThat(recent.recent(EventType.EXPIRATION, 10)).isEmpty();
    }

    private static Event event(String id, EventType type) {
        return new Event(id, type, "2026-12-01T12:00:00.000Z", "Q1", "", "a@b.test", null, null, null, null, null,
                null, null, null, null, null, 1, "5.1.1", "550 5.1.1 no", null, 0.0, BounceClass.INVALID_RECIPIENT);
    }
}
