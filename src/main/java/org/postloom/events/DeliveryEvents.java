package org.postloom.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.postloom.mail.Envelope;
import org.postloom.mail.Mailbox;
import org.postloom.mail.QueueId;
import org.postloom.intake.MessageStore;
import org.postloom.spool.Spool;
import org.postloom.spool.SpooledMessage;

/**
 * The events part as the rest of the relay sees it: the delivery engine hands it each attempt's
 * outcomes before it records them in the spool ({@link #outcomes}), reception hands it each
 * message before the spool commits it ({@link #receptions}); both queue the events in the
 * journal, whose lines ride in the very spool commit that records the outcome, in its write and
 * fsync ({@link #start} has the spool carry the journal), so an event is durable no later than
 * its outcome and the caller waits for one commit. The sinks then carry them on their own threads. It also
 * keeps the suppression list and the bounce classifier.
 *
 * <p>Event ids are {@code <queue id>.r} for a reception and
 * {@code <queue id>.<recipient index>.<attempt><type letter>} otherwise (attempt counts survive a
 * restart through each journal file's header line; an event of no attempt, a suppression or an
 * operator's delete, has none), so an event sent again, or made again after a crash repeated its
 * attempt, keeps its id.
 */
public final class DeliveryEvents implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("org.postloom.events");
    static final ObjectMapper JSON = new ObjectMapper();
    private static final long JOURNAL_FILE_SIZE = 16L << 20;

    /** Opens a queued message's content, to read the header fields its events carry. */
    @FunctionalInterface
    interface Bodies {
        InputStream open(QueueId id) throws IOException;
    }

    private final EventSettings settings;
    private final Clock clock;
    private final BounceClassifier classifier;
    private final Suppressions suppressions;
    private final Bodies bodies;
    /** Attempts made so far per {@code <queue id>.<recipient index>}, for recipients not yet final. */
    private final Map<String, Integer> attempts = new ConcurrentHashMap<>();
    /** The header fields of messages with recipients not yet final, read once (at reception) not per attempt. */
    private final Map<QueueId, Known> known = new ConcurrentHashMap<>();
    private final RecentEvents recent = new RecentEvents(100);
    private EventJournal journal;
    private EventSinks sinks;

    private DeliveryEvents(EventSettings settings, Clock clock, Suppressions suppressions, Bodies bodies) {
        this.settings = settings;
        this.clock = clock;
        this.classifier = BounceClassifier.withOperatorRules(settings.bounceClassesFile());
        this.suppressions = suppressions;
        this.bodies = bodies;
    }

    /** Events off, suppression off, the list in memory: for tests of other parts. */
    public static DeliveryEvents none() {
        var off = EventSettings.of(Optional.empty(), 0, 0, Optional.empty(), Optional.empty(), 100, Duration.ofSeconds(10),
                Optional.empty(), Optional.empty(), List.of(), Optional.empty(), Duration.ofSeconds(30), false, List.of());
        return new DeliveryEvents(off, Clock.systemUTC(), Suppressions.inMemory(), id -> InputStream.nullInputStream());
    }

    /**
     * Opens the journal, the cursors and the suppression list under {@code spoolDir} (making again
     * any event a crash took from the journal, from {@code spool}'s newest segment), has
     * {@code spool}'s commits carry the journal's lines, and starts the sinks.
     */
    public static DeliveryEvents start(EventSettings settings, Path spoolDir, Spool spool, Clock clock) throws IOException {
        var events = new DeliveryEvents(settings, clock, Suppressions.open(spoolDir.resolve("suppressions.jsonl")), spool::openBody);
        Path dir = spoolDir.resolve("events");
        if (settings.anySink()) {
            events.journal = EventJournal.open(dir, JOURNAL_FILE_SIZE, events::attemptsHeader, spool.riders());
            events.rebuildAttempts(events.journal.recoveredLines());
            spool.carry(events.journal);
            events.sinks = EventSinks.start(settings, events.journal, dir);
        } else if (Files.isDirectory(dir)) {
            // Sinks off for this run: still make again what a crash took from the journal, for
            // the spool will not hand it back once this run leaves its newest segment.
            List<byte[]> riders = spool.riders();
            if (!riders.isEmpty()) EventJournal.open(dir, JOURNAL_FILE_SIZE, () -> null, riders).close();
        }
        return events;
    }

    /** How many times the journal's files were forced: never per commit (see {@link EventJournal#forces}). */
    public long journalForces() {
        return journal == null ? 0 : journal.forces();
    }

    /** The journal, for tests of this package; null when no sink is on. */
    EventJournal journal() {
        return journal;
    }

    public BounceClassifier classifier() {
        return classifier;
    }

    /** The newest events of each type, in memory, for the status page. */
    public RecentEvents recent() {
        return recent;
    }

    public Suppressions suppressions() {
        return suppressions;
    }

    /** The suppression entry that stops mail to {@code recipient}, when suppression is on. */
    public Optional<Suppressions.Entry> suppression(Mailbox recipient) {
        return settings.suppressionEnabled() ? suppressions.find(recipient.toString()) : Optional.empty();
    }

    /** Events durable in the journal that each sink has not confirmed yet, by sink name. */
    public Map<String, Long> backlogs() {
        return sinks == null ? Map.of() : sinks.backlogs();
    }

    /** {@code store} with a reception event made durable before each message is committed. */
    public MessageStore receptions(MessageStore store) {
        return journal == null ? store : new ReceptionEvents(store, this, settings.headers());
    }

    /**
     * The events of one attempt's outcomes (or of an operator's delete), queued in the journal:
     * durable with the caller's next spool commit, which is the one that records the
     * outcomes. Then the suppression list takes recipients that bounced with a suppressing class.
     */
    public void outcomes(SpooledMessage message, RecipientOutcome.Route route, List<RecipientOutcome> outcomes) throws IOException {
        Instant now = clock.instant();
        // Without a sink, bounces (an operator's delete too) and expirations are still made for the
        // recent ring (all terminal, so no attempt count is left behind; earlier attempts went uncounted).
        List<RecipientOutcome> wanted = journal != null ? outcomes
                : outcomes.stream().filter(o -> o.kind().type == EventType.BOUNCE || o.kind().type == EventType.EXPIRATION).toList();
        List<Event> made = new ArrayList<>(wanted.size());
        Map<Integer, BounceClass> bounced = new HashMap<>(); // by recipient index: each bounce is classified once
        if (!wanted.isEmpty()) {
            MessageHeaders headers = headersOf(message);
            for (RecipientOutcome o : wanted) {
                Event e = recipientEvent(message.envelope(), message.bodySize(), headers, route, o, now);
                made.add(e);
                if (o.kind() == RecipientOutcome.Kind.FAILED) bounced.put(o.index(), e.bounceClass());
            }
            if (journal != null) journal.append(made.stream().map(EventCodec::encode).toList());
            made.forEach(recent::add);
            forget(message.queueId(), made);
        }
        if (settings.suppressionEnabled()) suppress(message.queueId(), outcomes, bounced, now);
    }

    /** Puts recipients that bounced with a suppressing class on the list, by the class their event has. */
    private void suppress(QueueId id, List<RecipientOutcome> outcomes, Map<Integer, BounceClass> bounced, Instant now)
            throws IOException {
        for (RecipientOutcome o : outcomes) {
            if (o.kind() != RecipientOutcome.Kind.FAILED) continue;
            String recipient = o.recipient().toString();
            BounceClass c = bounced.computeIfAbsent(o.index(), i -> classifier.classify(o.code(), o.status(), o.reply()));
            if (settings.suppressionClasses().contains(c) && suppressions.find(recipient).isEmpty()) {
                suppressions.put(new Suppressions.Entry(recipient, EventCodec.time(now), c, o.reply()));
                LOG.log(Level.INFO, "suppressed address=<" + recipient + "> class=" + c.wireName() + " id=" + id);
            }
        }
    }

    private Event recipientEvent(Envelope env, long size, MessageHeaders headers, RecipientOutcome.Route route,
                                 RecipientOutcome o, Instant now) {
        EventType type = o.kind().type;
        boolean attempted = o.kind().attempted;
        String key = env.queueId() + "." + o.index();
        Integer attempt = attempted ? attempts.merge(key, 1, Integer::sum) : null;
        if (type.isTerminal()) attempts.remove(key);
        BounceClass bounceClass = switch (o.kind()) {
            case DELIVERED -> null;
            case EXPIRED -> BounceClass.EXPIRED;
            case DELETED -> BounceClass.OTHER;
            case SUPPRESSED -> suppressions.find(o.recipient().toString()).map(Suppressions.Entry::bounceClass).orElse(BounceClass.OTHER);
            case DEFERRED, FAILED -> classifier.classify(o.code(), o.status(), o.reply());
        };
        String id = key + "." + (attempt == null ? "" : attempt) + type.letter;
        double delay = Duration.between(env.arrival(), now).toMillis() / 1000.0;
        return new Event(id, type, EventCodec.time(now), env.queueId().toString(), env.sender().toString(), o.recipient().toString(),
                null, size, headers.messageId(), tenantOf(env), headers.fields().isEmpty() ? null : headers.fields(),
                route.site(), attempted ? route.mxHost() : null, attempted ? route.mxAddress() : null,
                attempted ? route.source() : null, attempted ? route.sourceAddress() : null,
                attempt, o.status(), o.reply(), attempted ? route.tls() : null, delay, bounceClass);
    }

    /** The reception event, queued in the journal: durable with the spool's commit of the message. */
    void reception(Envelope env, long size, MessageHeaders headers) throws IOException {
        Instant now = clock.instant();
        var event = new Event(env.queueId() + "." + EventType.RECEPTION.letter, EventType.RECEPTION, EventCodec.time(now),
                env.queueId().toString(), env.sender().toString(), null,
                env.recipients().stream().map(Mailbox::toString).toList(), size, headers.messageId(), tenantOf(env),
                headers.fields().isEmpty() ? null : headers.fields(), null, null, null, null, null, null, null, null,
                env.tls().isEmpty() ? null : env.tls().split(" ")[0], null, null);
        journal.append(List.of(EventCodec.encode(event)));
        known.put(env.queueId(), new Known(headers, new AtomicInteger(env.recipients().size())));
    }

    /** The envelope's tenant; mail of no tenant has no {@code tenant} field. */
    private static String tenantOf(Envelope env) {
        return env.tenant().isEmpty() ? null : env.tenant();
    }

    /**
     * A message's header fields and how many of its recipients are not final yet. Kept from
     * reception (or the first outcome after a restart) until its last recipient's terminal event.
     */
    private record Known(MessageHeaders headers, AtomicInteger open) {}

    private MessageHeaders headersOf(SpooledMessage message) {
        Known k = known.get(message.queueId());
        if (k != null) return k.headers();
        MessageHeaders headers;
        try (InputStream in = bodies.open(message.queueId())) {
            headers = MessageHeaders.read(in, settings.headers());
        } catch (IOException | RuntimeException e) {
            return MessageHeaders.NONE; // the message left the queue meanwhile: its events go without headers
        }
        int open = (int) message.recipients().stream().filter(r -> !r.isFinal()).count();
        if (journal != null && open > 0) known.putIfAbsent(message.queueId(), new Known(headers, new AtomicInteger(open)));
        return headers;
    }

    /** The spool did not take a message whose reception event was queued: its headers are not kept. */
    void notQueued(QueueId id) {
        known.remove(id);
    }

    /** Counts the terminal events made; the message's headers are dropped with its last recipient's. */
    private void forget(QueueId id, List<Event> made) {
        Known k = known.get(id);
        if (k == null) return;
        long terminal = made.stream().filter(e -> e.type().isTerminal()).count();
        if (terminal > 0 && k.open().addAndGet((int) -terminal) <= 0) known.remove(id);
    }

    /** The header line of each new journal file: the attempt counts of recipients not yet final. */
    private byte[] attemptsHeader() {
        try {
            return JSON.writeValueAsBytes(Map.of("_attempts", Map.copyOf(attempts)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** From the newest journal file: its header's counts, then the attempts of its events. */
    private void rebuildAttempts(List<byte[]> lines) {
        for (byte[] line : lines) {
            try {
                JsonNode node = JSON.readTree(line);
                if (node.has("_attempts")) {
                    node.get("_attempts").properties().forEach(e -> attempts.merge(e.getKey(), e.getValue().asInt(), Math::max));
                } else if (node.has("recipient")) {
                    String id = node.get("id").asText();
                    String key = id.substring(0, id.lastIndexOf('.'));
                    EventType type = EventType.valueOf(node.get("type").asText().toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
                    if (type.isTerminal()) attempts.remove(key);
                    else attempts.merge(key, node.get("attempt").asInt(), Math::max);
                }
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.WARNING, "events: unreadable journal line at start: " + e.getMessage());
            }
        }
    }

    /** Stops the sinks (each stores its cursor), then the journal. */
    @Override
    public void close() {
        if (sinks != null) sinks.close();
        if (journal != null) journal.close();
        suppressions.close();
    }
}
