package org.postloom.spool;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import org.postloom.mail.QueueId;

/**
 * The live queue in memory, and which segments are still needed. Entries are applied by one
 * thread (recovery, then the writer) after they are durable; anyone may read.
 *
 * <p>A segment may be deleted once no live message has its message record there, and once every
 * older segment it holds state records for is gone. The second rule matters: deleting a segment of
 * "delivered" records while the message record they refer to still exists would bring those
 * recipients back as pending after a restart, and they would be delivered twice. Segments are
 * deleted oldest first, so a crash between two deletions leaves only orphaned state records,
 * which recovery ignores.
 */
final class Catalog {

    /** A live message and where its body lies. */
    record Stored(SpooledMessage message, long segment, long bodyOffset) { }

    private static final class Usage {
        int liveMessages;
        final Set<Long> olderSegmentsReferred = new HashSet<>();
    }

    private final ConcurrentHashMap<QueueId, Stored> live = new ConcurrentHashMap<>();
    private final ConcurrentSkipListMap<Long, Usage> segments = new ConcurrentSkipListMap<>();

    void addSegment(long segment) {
        segments.putIfAbsent(segment, new Usage());
    }

    void removeSegment(long segment) {
        segments.remove(segment);
    }

    /** Live messages; a map's size is cheap, unlike listing them. */
    int liveCount() {
        return live.size();
    }

    int segmentCount() {
        return segments.size();
    }

    Stored get(QueueId id) {
        return live.get(id);
    }

    Collection<Stored> live() {
        return live.values();
    }

    /** The live messages, in queue-id (roughly arrival) order. */
    List<SpooledMessage> messages() {
        return live.values().stream()
                .map(Stored::message)
                .sorted(Comparator.comparing(m -> m.queueId().value()))
                .toList();
    }

    /**
     * Applies one durable entry found in {@code segment} at {@code payloadOffset}.
     *
     * @return the message, if the entry queued one
     */
    SpooledMessage apply(LogEntry entry, long segment, long payloadOffset) {
        return switch (entry) {
            case LogEntry.MessageQueued q -> queue(q, segment, payloadOffset);
            case LogEntry.RecipientChanged c -> {
                change(c, segment);
                yield null;
            }
        };
    }

    private SpooledMessage queue(LogEntry.MessageQueued q, long segment, long payloadOffset) {
        var message = SpooledMessage.received(q.envelope(), q.bodySize());
        var previous = live.put(message.queueId(), new Stored(message, segment, payloadOffset + q.bodyStart()));
        if (previous != null) usage(previous.segment()).liveMessages--;
        usage(segment).liveMessages++;
        return message;
    }

    private void change(LogEntry.RecipientChanged c, long segment) {
        var stored = live.get(c.queueId());
        if (stored == null || c.recipient() < 0 || c.recipient() >= stored.message().recipients().size()
                || stored.message().recipients().get(c.recipient()).isFinal()) {
            return; // about a message already gone, or a recipient already final: no effect
        }
        if (segment != stored.segment()) {
            usage(segment).olderSegmentsReferred.add(stored.segment());
        }
        var updated = stored.message().with(c.recipient(), c.state());
        if (updated.isFinal()) {
            live.remove(c.queueId());
            usage(stored.segment()).liveMessages--;
        } else {
            live.put(c.queueId(), new Stored(updated, stored.segment(), stored.bodyOffset()));
        }
    }

    /** Segments that may be deleted now, oldest first, never {@code active}. */
    List<Long> reclaimable(long active) {
        var deletable = new ArrayList<Long>();
        for (var e : segments.entrySet()) {
            long segment = e.getKey();
            if (segment == active) continue;
            var usage = e.getValue();
            boolean unneeded = usage.liveMessages == 0 && usage.olderSegmentsReferred.stream()
                    .allMatch(older -> !segments.containsKey(older) || deletable.contains(older));
            if (unneeded) deletable.add(segment);
        }
        return deletable;
    }

    private Usage usage(long segment) {
        var usage = segments.get(segment);
        if (usage == null) throw new IllegalStateException("unknown segment " + segment);
        return usage;
    }
}
