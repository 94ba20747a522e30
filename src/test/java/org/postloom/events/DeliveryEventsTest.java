package org.postloom.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.mail.Envelope;
import org.postloom.mail.Mailbox;
import org.postloom.mail.QueueId;
import org.postloom.spool.RecipientState;
import org.postloom.spool.Spool;
import org.postloom.spool.SpooledMessage;
import org.postloom.testing.TestSpool;

/**
 * Event ids and attempt numbers across restarts, the suppression list's part in outcomes, an
 * operator's delete, and the journal riding the spool's group commit: all on a real spool.
 */
class DeliveryEventsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-01T10:00:00.123Z"), ZoneOffset.UTC);
    private static final Mailbox RCPT = new Mailbox("ann", "x.test");
    private static final byte[] BODY = "Message-ID: <m@s.test>\r\nX-Campaign: c9\r\n\r\nbody\r\n".getBytes(StandardCharsets.UTF_8);
    private static final RecipientOutcome.Route ROUTE =
            new RecipientOutcome.Route("mx.x.test", "mx.x.test", "127.0.7.9", "ip1", "127.0.7.1", "TLSv1.3");

    @TempDir
    Path dir;

    private Path spoolDir() {
        return dir.resolve("spool");
    }

    private DeliveryEvents start(Spool spool) throws Exception {
        var settings = EventSettings.of(Optional.of(dir.resolve("events.jsonl").toString()), 1 << 20, 1, Optional.empty(),
                Optional.empty(), 100, Duration.ofSeconds(5), Optional.empty(), Optional.empty(), List.of("X-Campaign"),
                Optional.empty(), Duration.ofSeconds(1), true, List.of("invalid-recipient"));
        return DeliveryEvents.start(settings, spoolDir(), spool, CLOCK);
    }

    /** Queues one message to {@link #RCPT} through the events' reception seam, as SMTP does. */
    private static SpooledMessage receive(Spool spool, DeliveryEvents events, int recipients) throws Exception {
        QueueId id = spool.newQueueId();
        List<Mailbox> rcpts = new ArrayList<>();
        for (int i = 0; i < recipients; i++) rcpts.add(i == 0 ? RCPT : new Mailbox("r" + i, "x.test"));
        var envelope = new Envelope(id, new Mailbox("app", "s.test"), rcpts, Envelope.BodyType.EIGHT_BIT_MIME, false,
                Instant.parse("2026-12-01T09:59:58Z"), "client", "");
        try (var reception = events.receptions(spool).receive(envelope)) {
            reception.body().write(BODY);
            reception.commit();
        }
        return spool.message(id).orElseThrow();
    }

    /** What the recorder does: the events, then the states, whose commit forces the events first. */
    private static void record(Spool spool, DeliveryEvents events, SpooledMessage message, RecipientOutcome outcome,
                               RecipientState state) throws Exception {
        events.outcomes(message, ROUTE, List.of(outcome));
        spool.recordAll(message.queueId(), Map.of(outcome.index(), state));
    }

    private static RecipientOutcome deferred() {
        return new RecipientOutcome(0, RCPT, RecipientOutcome.Kind.DEFERRED, 451, "4.7.0", "451 4.7.0 [TSS04] temporarily deferred due to unexpected volume");
    }

    private static RecipientState.Deferred later() {
        return new RecipientState.Deferred(Instant.parse("2026-12-01T11:00:00Z"), "451 4.7.0");
    }

    private List<JsonNode> fileEvents() throws Exception {
        List<JsonNode> out = new ArrayList<>();
        Path file = dir.resolve("events.jsonl");
        if (Files.exists(file)) for (String line : Files.readAllLines(file)) out.add(JSON.readTree(line));
        return out;
    }

    private void awaitFile(String id) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (fileEvents().stream().noneMatch(e -> e.get("id").asText().equals(id)) && System.nanoTime() < deadline) Thread.sleep(20);
    }

    @Test
    void attemptsCountOnAcrossARestartSoIdsStayUniqueAndEveryFieldIsFilled() throws Exception {
        SpooledMessage message;
        try (var spool = TestSpool.open(spoolDir(), TestSpool.options()).spool(); var events = start(spool)) {
            message = receive(spool, events, 1);
            record(spool, events, message, deferred(), later());
            record(spool, events, message, deferred(), later());
        }
        String q = message.queueId().toString();
        try (var spool = TestSpool.open(spoolDir(), TestSpool.options()).spool(); var events = start(spool)) {
            record(spool, events, spool.message(message.queueId()).orElseThrow(),
                    new RecipientOutcome(0, RCPT, RecipientOutcome.Kind.DELIVERED, 250, "2.0.0", "250 2.0.0 ok"), RecipientState.DELIVERED);
            awaitFile(q + ".0.3d");
        }
        List<JsonNode> events = fileEvents();
        assertThat(events).extracting(e -> e.get("id").asText()).as("in order; once each after a clean stop")
                .containsExactly(q + ".r", q + ".0.1t", q + ".0.2t", q + ".0.3d");
        JsonNode first = events.get(1);
        assertThat(first.get("type").asText()).isEqualTo("transient-failure");
        assertThat(first.get("bounce_class").asText()).isEqualTo("rate-limited");
        assertThat(first.get("time").asText()).isEqualTo("2026-12-01T10:00:00.123Z");
        assertThat(first.get("delay_s").asDouble()).isEqualTo(2.123);
        assertThat(first.get("message_id").asText()).isEqualTo("<m@s.test>");
        assertThat(first.get("headers").get("X-Campaign").asText()).isEqualTo("c9");
        assertThat(first.get("tls").asText()).isEqualTo("TLSv1.3");
        assertThat(first.get("site").asText()).isEqualTo("mx.x.test");
        assertThat(first.get("mx_host").asText()).isEqualTo("mx.x.test");
        assertThat(first.get("mx_address").asText()).isEqualTo("127.0.7.9");
        assertThat(first.get("source").asText()).isEqualTo("ip1");
        assertThat(first.get("source_address").asText()).isEqualTo("127.0.7.1");
        assertThat(first.has("tenant")).isFalse();
        JsonNode delivered = events.getLast();
        assertThat(delivered.get("headers").get("X-Campaign").asText()).as("after a restart, read from the spool").isEqualTo("c9");
    }

    @Test
    void anEventRidesInTheSpoolCommitThatRecordsItsOutcomeAndNoCommitForcesTheJournal() throws Exception {
        try (var spool = TestSpool.open(spoolDir(), TestSpool.options()).spool(); var events = start(spool)) {
            SpooledMessage message = receive(spool, events, 1);
            long end = events.journal().end().number();
            events.outcomes(message, ROUTE, List.of(deferred()));
            assertThat(events.journal().end().number()).as("queued, not durable, until the spool commits").isEqualTo(end);
            spool.recordAll(message.queueId(), Map.of(0, later()));
            assertThat(events.journal().end().number()).isEqualTo(end + 1);

            // 200 messages from 20 threads: each reception event rides in its message's commit.
            long spoolBefore = spool.stats().forces(), journalBefore = events.journalForces();
            try (var pool = Executors.newFixedThreadPool(20)) {
                List<Callable<SpooledMessage>> jobs = new ArrayList<>();
                for (int i = 0; i < 200; i++) jobs.add(() -> receive(spool, events, 1));
                for (var f : pool.invokeAll(jobs)) f.get();
            }
            System.out.println("200 receptions with events: spool forces=" + (spool.stats().forces() - spoolBefore));
            assertThat(events.journal().end().number()).isEqualTo(end + 201);
            assertThat(events.journalForces() - journalBefore).as("one fsync per batch, the spool's").isZero();
        }
    }

    @Test
    void eventsACrashTookFromTheJournalAreMadeAgainFromTheSpoolsNewestSegment() throws Exception {
        SpooledMessage message;
        Path journalFile;
        byte[] before;
        try (var spool = TestSpool.open(spoolDir(), TestSpool.options()).spool(); var events = start(spool)) {
            message = receive(spool, events, 1);
            record(spool, events, message, deferred(), later());
            journalFile = events.journal().path(events.journal().end().file());
        }
        before = Files.readAllBytes(journalFile);
        // A power loss before the journal's file was written back: only its header line survived.
        int header = new String(before, StandardCharsets.UTF_8).indexOf('\n') + 1;
        try (var channel = java.nio.channels.FileChannel.open(journalFile, java.nio.file.StandardOpenOption.WRITE)) {
            channel.truncate(header);
        }
        String q = message.queueId().toString();
        try (var spool = TestSpool.open(spoolDir(), TestSpool.options()).spool(); var events = start(spool)) {
            assertThat(Files.readAllBytes(journalFile)).as("made again byte for byte from the spool's riders").isEqualTo(before);
            record(spool, events, spool.message(message.queueId()).orElseThrow(), deferred(), later());
            awaitFile(q + ".0.2t");
        }
        assertThat(fileEvents()).extracting(e -> e.get("id").asText())
                .as("the attempt made again counts: the next one is the second").containsExactly(q + ".r", q + ".0.1t", q + ".0.2t");
    }

    @Test
    void anOperatorsDeleteIsABounceOfNoAttemptWithClassOther() throws Exception {
        try (var spool = TestSpool.open(spoolDir(), TestSpool.options()).spool(); var events = start(spool)) {
            SpooledMessage message = receive(spool, events, 1);
            events.outcomes(message, RecipientOutcome.Route.NONE, List.of(new RecipientOutcome(0, RCPT, RecipientOutcome.Kind.DELETED,
                    550, "5.0.0", "550 5.0.0 Deleted from the queue by the operator")));
            spool.recordAll(message.queueId(), Map.of(0, new RecipientState.Failed("550 5.0.0 Deleted from the queue by the operator")));
            String id = message.queueId() + ".0.b";
            awaitFile(id);
            JsonNode bounce = fileEvents().stream().filter(e -> e.get("id").asText().equals(id)).findFirst().orElseThrow();
            assertThat(bounce.get("type").asText()).isEqualTo("bounce");
            assertThat(bounce.get("bounce_class").asText()).isEqualTo("other");
            assertThat(bounce.get("status").asText()).isEqualTo("5.0.0");
            assertThat(bounce.has("attempt")).isFalse();
            assertThat(bounce.has("mx_host")).isFalse();
            assertThat(events.suppression(RCPT)).as("a delete suppresses no one").isEmpty();
        }
    }

    @Test
    void aBounceOfASuppressingClassPutsTheRecipientOnTheListDurably() throws Exception {
        try (var spool = TestSpool.open(spoolDir(), TestSpool.options()).spool(); var events = start(spool)) {
            SpooledMessage message = receive(spool, events, 2);
            assertThat(events.suppression(RCPT)).isEmpty();
            events.outcomes(message, ROUTE, List.of(new RecipientOutcome(0, RCPT, RecipientOutcome.Kind.FAILED, 550, "5.2.2",
                    "552 5.2.2 mailbox full")));
            assertThat(events.suppression(RCPT)).as("mailbox-full is not a suppressing class here").isEmpty();
            events.outcomes(message, ROUTE, List.of(new RecipientOutcome(0, RCPT, RecipientOutcome.Kind.FAILED, 550, "5.1.1",
                    "550 5.1.1 user unknown")));
            assertThat(events.suppression(RCPT)).isPresent();
        }
        try (var spool = TestSpool.open(spoolDir(), TestSpool.options()).spool(); var events = start(spool)) {
            var entry = events.suppression(new Mailbox("ANN", "X.TEST")).orElseThrow();
            assertThat(entry.bounceClass()).isEqualTo(BounceClass.INVALID_RECIPIENT);
            assertThat(entry.reply()).isEqualTo("550 5.1.1 user unknown");
            assertThat(entry.since()).isEqualTo("2026-12-01T10:00:00.123Z");
        }
    }
}
