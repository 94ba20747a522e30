package org.postloom.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import org.postloom.mail.Envelope;
import org.postloom.mail.Mailbox;
import org.postloom.mail.QueueId;
import org.postloom.intake.MessageStore;
import org.postloom.spool.SpooledMessage;

/**
 * The events part as the rest of the relay sees it: the delivery engine hands it each attempt's
 * outcomes before it records them in the spool ({@link #outcomes}), reception hands it each
 * message before the spool commits it ({@link #receptions}); both return once the events are
 * durable in the journal, whose sinks then carry them on their own threads. It also keeps the
 * suppression list and the bounce classifier.
 *
 * <p>Event ids are {@code <queue id>.r} for a reception and
 * {@code <queue id>.<recipient index>.<attempt><type letter>} otherwise (attempt counts survive a
 * restart through each journal file's header line), so an event sent again, or made again after
 * a crash repeated its attempt, keeps its id.
 */
public final class DeliveryEvents implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("org.postloom.events");
    static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    private static final long JOURNAL_FILE_SIZE = 16L << 20;

    /** Opens a queued message's content, to read the header fields its events carry. */
    @FunctionalInterface
    public interface Bodies {
        InputStream open(QueueId id) throws IOException;
    }

    private final EventSettings settings;
    private final Clock clock;
    private final BounceClassifier classifier;
    private final Suppressions suppressions;
    private final Bodies bodies;
    /** Attempts made so far per {@code <queue id>.<recipient index>}, for recipients not yet final. */
    private final Map<String, Integer> attempts = new ConcurrentHashMap<>();
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

    /** Opens the journal, the cursors and the suppression list under {@code spoolDir} and starts the sinks. */
    public static DeliveryEvents start(EventSettings settings, Path spoolDir, Bodies bodies, Clock clock) throws IOException {
        var events = new DeliveryEvents(settings, clock, Suppressions.open(spoolDir.resolve("suppressions.jsonl")), bodies);
        if (settings.anySink()) {
            Path dir = spoolDir.resolve("events");
            events.journal = EventJournal.open(dir, JOURNAL_FILE_SIZE, events::attemptsHeader);
            events.rebuildAttempts(events.journal.recoveredLines());
            events.sinks = EventSinks.start(settings, events.journal, dir);
        }
        return events;
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
     * The events of one attempt's outcomes, durable when this returns; then the suppression list
     * takes recipients that bounced with a suppressing class.
     */
    public void outcomes(SpooledMessage message, RecipientOutcome.Route route, List<RecipientOutcome> outcomes) throws IOException {
        Instant now = clock.instant();
        // Without a sink, bounces and expirations are still made for the recent ring (both are
        // terminal, so no attempt count is left behind; earlier attempts went uncounted).
        List<RecipientOutcome> wanted = journal != null ? outcomes
                : outcomes.stream().filter(o -> o.kind() == RecipientOutcome.Kind.FAILED || o.kind() == RecipientOutcome.Kind.EXPIRED).toList();
        if (!wanted.isEmpty()) {
            MessageHeaders headers = headersOf(message.queueId());
            List<Event> made = new ArrayList<>(wanted.size());
            for (RecipientOutcome o : wanted) made.add(recipientEvent(message.envelope(), message.bodySize(), headers, route, o, now));
            if (journal != null) await(journal.append(made.stream().map(DeliveryEvents::encode).toList()));
            made.forEach(recent::add);
        }
        if (!settings.suppressionEnabled()) return;
        for (RecipientOutcome o : outcomes) {
            if (o.kind() != RecipientOutcome.Kind.FAILED) continue;
            BounceClass c = classifier.classify(o.code(), o.status(), o.reply());
            if (settings.suppressionClasses().contains(c) && suppressions.find(o.recipient().toString()).isEmpty()) {
                suppressions.put(new Suppressions.Entry(o.recipient().toString(), TIME.format(now), c, o.reply()));
                LOG.log(Level.INFO, "suppressed address=<" + o.recipient() + "> class=" + c.wireName() + " id=" + message.queueId());
            }
        }
    }

    private Event recipientEvent(Envelope env, long size, MessageHeaders headers, RecipientOutcome.Route route,
                                 RecipientOutcome o, Instant now) {
        EventType type = o.kind().type;
        String key = env.queueId() + "." + o.index();
        Integer attempt = null;
        if (type != EventType.SUPPRESSION) {
            attempt = attempts.merge(key, 1, Integer::sum);
            if (type.isTerminal()) attempts.remove(key);
        }
        BounceClass bounceClass = switch (o.kind()) {
            case DELIVERED -> null;
            case EXPIRED -> BounceClass.EXPIRED;
            case SUPPRESSED -> suppressions.find(o.recipient().toString()).map(Suppressions.Entry::bounceClass).orElse(BounceClass.OTHER);
            case DEFERRED, FAILED -> classifier.classify(o.code(), o.status(), o.reply());
        };
        boolean attempted = type != EventType.SUPPRESSION;
        String id = key + "." + (attempt == null ? "" : attempt) + type.letter;
        double delay = Duration.between(env.arrival(), now).toMillis() / 1000.0;
        return new Event(id, type, TIME.format(now), env.queueId().toString(), env.sender().toString(), o.recipient().toString(),
                null, size, headers.messageId(), tenantOf(env), headers.fields().isEmpty() ? null : headers.fields(),
                route.site(), attempted ? route.mxHost() : null, attempted ? route.mxAddress() : null, null, null,
                attempt, o.status(), o.reply(), attempted ? route.tls() : null, delay, bounceClass);
    }

    /** The reception event, durable when this returns. */
    void reception(Envelope env, long size, MessageHeaders headers) throws IOException {
        Instant now = clock.instant();
        var event = new Event(env.queueId() + "." + EventType.RECEPTION.letter, EventType.RECEPTION, TIME.format(now),
                env.queueId().toString(), env.sender().toString(), null,
                env.recipients().stream().map(Mailbox::toString).toList(), size, headers.messageId(), tenantOf(env),
                headers.fields().isEmpty() ? null : headers.fields(), null, null, null, null, null, null, null, null,
                env.tls().isEmpty() ? null : env.tls().split(" ")[0], null, null);
        await(journal.append(List.of(encode(event))));
    }

    /** The envelope's tenant; mail of no tenant has no {@code tenant} field. */
    private static String tenantOf(Envelope env) {
        return env.tenant().isEmpty() ? null : env.tenant();
    }

    private MessageHeaders headersOf(QueueId id) {
        try (InputStream in = bodies.open(id)) {
            return MessageHeaders.read(in, settings.headers());
        } catch (IOException | RuntimeException e) {
            return MessageHeaders.NONE; // the message left the queue meanwhile: its events go without headers
        }
    }

    static byte[] encode(Event event) {
        try {
            return JSON.writeValueAsBytes(event);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("event not encodable: " + event.id(), e);
        }
    }

    private static void await(java.util.concurrent.CompletableFuture<Void> durable) throws IOException {
        try {
            durable.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while the event journal was writing", e);
        }
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
                } else if (node.has("attempt")) {
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
