package org.postloom.spool;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import org.postloom.mail.Envelope;
import org.postloom.mail.Mailbox;
import org.postloom.mail.QueueId;

/**
 * The live queue in memory, and which segments are still needed. Entries are applied after they
 * are durable, by the writer and, at start, by recovery on its own thread (each reading other
 * segments, so their changes concern other messages; the mutators are serialized all the same,
 * since the tables of repeated strings are shared); anyone may read.
 *
 * <p>While recovery runs, segments not yet read look empty: nothing is reclaimed and nothing is
 * compacted until {@link #recovered()}.
 *
 * <p>Only what scheduling and reading back need is held per message ({@link Stored}, about 200
 * bytes with its map entry): the envelope stays on disk. Domains and replies repeat across
 * messages (one provider, one greylisting text), so each distinct string is kept once.
 *
 * <p>A segment may be deleted once no live message has its message record there, and once every
 * older segment it holds state records for is gone. The second rule matters: deleting a segment of
 * "delivered" records while the message record they refer to still exists would bring those
 * recipients back as pending after a restart, and they would be delivered twice. Only final
 * states count: losing a "deferred" record costs an early retry, never a second delivery, so a
 * segment of retry records does not hold on to the old segments of a deferral tail. A compaction
 * copy counts as such a reference to the segment it was copied from: deleting the copy while the
 * original remains would revive the original's older states. Segments are deleted oldest first,
 * so a crash between two deletions leaves only orphaned state records, which recovery ignores.
 */
final class Catalog {

    /** Record framing around a message payload, counted in a segment's live bytes. */
    private static final int FRAMING = Frame.HEADER + Frame.TRAILER;
    private static final int MAX_INTERNED = 4096;
    private static final List<RecipientState> ONE_PENDING = List.of(RecipientState.PENDING);

    /**
     * A live message: the payload of the record that holds it, where the verbatim message payload
     * ({@code u32 n, envelope, body}) begins inside it (after a copy's states), and each
     * recipient's domain and state.
     */
    record Stored(MessageRef ref, long segment, long payloadOffset, int messageStart, int envelopeLength,
                  List<String> domains, List<RecipientState> states, String source) {

        long messageOffset() {
            return payloadOffset + messageStart;
        }

        long bodyOffset() {
            return messageOffset() + 4 + envelopeLength;
        }

        /** The length of the verbatim message payload. */
        long messageLength() {
            return 4L + envelopeLength + ref.bodySize();
        }

        QueueEntry entry() {
            return new QueueEntry(ref, domains, states, source);
        }
    }

    /** What the compactor and the metrics need of a segment; written by one thread. */
    static final class Usage {
        volatile int liveMessages;
        volatile long liveBytes;
        volatile long bytes;
        /** When it stopped being the active segment (System.nanoTime), or 0 while it still is. */
        volatile long closedAtNanos;
        final Set<Long> olderSegmentsReferred = new HashSet<>();
    }

    private final ConcurrentHashMap<QueueId, Stored> live = new ConcurrentHashMap<>();
    private final ConcurrentSkipListMap<Long, Usage> segments = new ConcurrentSkipListMap<>();
    private final Map<String, String> interned = new HashMap<>();
    private final Map<String, List<String>> singleDomains = new HashMap<>();
    private volatile boolean recovering = true;

    synchronized void addSegment(long segment) {
        segments.putIfAbsent(segment, new Usage());
    }

    synchronized void removeSegment(long segment) {
        segments.remove(segment);
    }

    /** Recovery has read every segment: from now on segments may be reclaimed and compacted. */
    void recovered() {
        recovering = false;
    }

    boolean isRecovering() {
        return recovering;
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

    /** The segments and their usage, oldest first (a live view). */
    Map<Long, Usage> segments() {
        return segments;
    }

    /** Live messages whose message record lies in {@code segment}, in the order they lie there. */
    List<Stored> storedIn(long segment) {
        var found = new ArrayList<Stored>();
        for (var stored : live.values()) {
            if (stored.segment() == segment) found.add(stored);
        }
        found.sort(Comparator.comparingLong(Stored::payloadOffset));
        return found;
    }

    /** Live messages for scheduling, oldest arrival first. */
    List<QueueEntry> entries() {
        return entriesUpTo(Long.MAX_VALUE);
    }

    /** Live messages whose record lies in {@code segment} or an older one, oldest arrival first. */
    List<QueueEntry> entriesUpTo(long segment) {
        return live.values().stream()
                .filter(s -> s.segment() <= segment)
                .sorted(Comparator.<Stored>comparingLong(s -> s.ref().arrivalMillis())
                        .thenComparing(s -> s.ref().queueId().value()))
                .map(Stored::entry)
                .toList();
    }

    /**
     * Applies one durable entry found in {@code segment} at {@code payloadOffset}.
     *
     * @return the message to hand to scheduling, if the entry queued one
     */
    synchronized QueueEntry apply(LogEntry entry, long segment, long payloadOffset) {
        return switch (entry) {
            case LogEntry.MessageQueued q -> queue(q.envelope(), null, segment, payloadOffset, 0,
                    q.bodyStart() - 4, q.bodySize());
            case LogEntry.RecipientChanged c -> {
                change(c, segment);
                yield null;
            }
            case LogEntry.MessageCopied c -> copied(c, segment, payloadOffset);
            case LogEntry.Ridden r -> null;
        };
    }

    /** Sets a segment's length as it stands on disk. */
    synchronized void sized(long segment, long bytes) {
        usage(segment).bytes = bytes;
    }

    synchronized void closed(long segment, long atNanos) {
        usage(segment).closedAtNanos = atNanos;
    }

    private QueueEntry queue(Envelope envelope, List<RecipientState> states, long segment, long payloadOffset,
                             int messageStart, int envelopeLength, long bodySize) {
        var domains = new ArrayList<String>(envelope.recipients().size());
        for (Mailbox rcpt : envelope.recipients()) domains.add(intern(rcpt.domain()));
        var ref = new MessageRef(envelope.queueId(), envelope.arrival().toEpochMilli(), bodySize);
        var all = states != null ? internReplies(states) : pending(domains.size());
        var stored = new Stored(ref, segment, payloadOffset, messageStart, envelopeLength, domainList(domains), all,
                intern(envelope.egressSource()));
        var previous = live.put(ref.queueId(), stored);
        if (previous != null) forget(previous);
        count(stored, +1);
        return stored.entry();
    }

    /**
     * A message found twice counts once: a copy of a live message moves it, and a recipient final
     * in either copy stays final. A copy of a message not live here is the message itself: its
     * original's segment is gone (or was unreadable), and the copy's states say where it stood.
     */
    private QueueEntry copied(LogEntry.MessageCopied c, long segment, long payloadOffset) {
        var stored = live.get(c.queueId());
        if (stored == null) {
            if (c.envelope() == null) return null;
            return queue(c.envelope(), c.states(), segment, payloadOffset, c.messageStart(), c.envelopeLength(),
                    c.bodySize());
        }
        var merged = new ArrayList<RecipientState>(stored.states().size());
        for (int i = 0; i < stored.states().size(); i++) {
            var mine = stored.states().get(i);
            var theirs = i < c.states().size() ? c.states().get(i) : mine;
            merged.add(mine.isFinal() ? mine : theirs);
        }
        if (segment != stored.segment()) usage(segment).olderSegmentsReferred.add(stored.segment());
        var moved = new Stored(stored.ref(), segment, payloadOffset, c.messageStart(), stored.envelopeLength(),
                stored.domains(), internReplies(merged), stored.source());
        if (moved.states().stream().allMatch(RecipientState::isFinal)) {
            forget(stored);
            return null;
        }
        // Replaced in one step: a courier reading meanwhile must never find a live message missing
        // (it would drop the item as deleted, and the message would wait unattempted until a restart).
        live.put(c.queueId(), moved);
        count(stored, -1);
        count(moved, +1);
        return null;
    }

    private void change(LogEntry.RecipientChanged c, long segment) {
        var stored = live.get(c.queueId());
        if (stored == null || c.recipient() < 0 || c.recipient() >= stored.states().size()
                || stored.states().get(c.recipient()).isFinal()) {
            return; // about a message already gone, or a recipient already final: no effect
        }
        if (segment != stored.segment() && c.state().isFinal()) {
            usage(segment).olderSegmentsReferred.add(stored.segment());
        }
        var states = new ArrayList<>(stored.states());
        states.set(c.recipient(), internReply(c.state()));
        if (states.stream().allMatch(RecipientState::isFinal)) {
            forget(stored);
        } else {
            live.put(c.queueId(), new Stored(stored.ref(), stored.segment(), stored.payloadOffset(),
                    stored.messageStart(), stored.envelopeLength(), stored.domains(), List.copyOf(states),
                    stored.source()));
        }
    }

    private void forget(Stored stored) {
        if (live.get(stored.ref().queueId()) == stored) live.remove(stored.ref().queueId());
        count(stored, -1);
    }

    private void count(Stored stored, int sign) {
        var usage = usage(stored.segment());
        usage.liveMessages += sign;
        usage.liveBytes += sign * (stored.messageLength() + FRAMING);
    }

    /** Segments that may be deleted now, oldest first, never {@code active}. */
    List<Long> reclaimable(long active) {
        var deletable = new ArrayList<Long>();
        if (recovering) return deletable;
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

    /**
     * Older segments that keep a segment without live messages from being deleted: compacting
     * them (whatever their live share) is what frees the younger one. Only the writer's thread
     * changes the reference sets; a stale read here only delays a compaction by one round.
     */
    Set<Long> pinning(long active) {
        var pinned = new HashSet<Long>();
        if (recovering) return pinned;
        for (var e : segments.entrySet()) {
            if (e.getKey() == active || e.getValue().liveMessages > 0) continue;
            for (long older : List.copyOf(e.getValue().olderSegmentsReferred)) {
                if (segments.containsKey(older)) pinned.add(older);
            }
        }
        return pinned;
    }

    private static List<RecipientState> pending(int count) {
        return count == 1 ? ONE_PENDING : Collections.nCopies(count, RecipientState.PENDING);
    }

    private List<RecipientState> internReplies(List<RecipientState> states) {
        var out = new ArrayList<RecipientState>(states.size());
        for (var s : states) out.add(internReply(s));
        return List.copyOf(out);
    }

    private RecipientState internReply(RecipientState state) {
        return switch (state) {
            case RecipientState.Deferred d -> new RecipientState.Deferred(d.nextAttempt(), intern(d.reply()), d.delayReported(),
                    d.attempted().map(this::intern));
            case RecipientState.Failed f -> new RecipientState.Failed(intern(f.reply()), f.attempted().map(this::intern));
            default -> state;
        };
    }

    /** A report's particulars with their status and host kept once: a few distinct ones repeat. */
    private RecipientState.Attempted intern(RecipientState.Attempted a) {
        return new RecipientState.Attempted(intern(a.status()), intern(a.remoteMta()), a.at());
    }

    /** Most messages have one recipient: one list per distinct domain serves them all. */
    private List<String> domainList(List<String> domains) {
        if (domains.size() != 1) return List.copyOf(domains);
        if (singleDomains.size() >= MAX_INTERNED) singleDomains.clear();
        return singleDomains.computeIfAbsent(domains.getFirst(), List::of);
    }

    /** One instance of each frequent string; the table is bounded, and emptied when full. */
    private String intern(String s) {
        if (interned.size() >= MAX_INTERNED) interned.clear();
        return interned.computeIfAbsent(s, k -> k);
    }

    private Usage usage(long segment) {
        var usage = segments.get(segment);
        if (usage == null) throw new IllegalStateException("unknown segment " + segment);
        return usage;
    }
}
