package org.postloom.events;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The last events of each type, in memory, for the status page's "last bounces" ({@code GET
 * /events/recent?type=bounce}). Not a sink: nothing here is durable, a restart empties it, and
 * only the newest {@code capacity} of each type are kept.
 */
public final class RecentEvents {

    private final int capacity;
    private final Map<EventType, ArrayDeque<Event>> byType = new EnumMap<>(EventType.class);

    public RecentEvents(int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("capacity must be positive");
        this.capacity = capacity;
    }

    public int capacity() {
        return capacity;
    }

    synchronized void add(Event event) {
        ArrayDeque<Event> ring = byType.computeIfAbsent(event.type(), t -> new ArrayDeque<>(capacity));
        if (ring.size() == capacity) ring.removeFirst();
        ring.addLast(event);
    }

    /** At most {@code limit} events of {@code type}, newest first. */
    public synchronized List<Event> recent(EventType type, int limit) {
        ArrayDeque<Event> ring = byType.get(type);
        if (ring == null) return List.of();
        List<Event> out = new ArrayList<>(Math.min(limit, ring.size()));
        for (Iterator<Event> it = ring.descendingIterator(); it.hasNext() && out.size() < limit; ) out.add(it.next());
        return out;
    }
}
