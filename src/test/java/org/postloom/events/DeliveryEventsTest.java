package org.postloom.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.mail.Envelope;
import org.postloom.mail.Mailbox;
import org.postloom.mail.QueueId;
import org.postloom.spool.RecipientState;
import org.postloom.spool.SpooledMessage;

/** Event ids and attempt numbers across restarts, and the suppression list's part in outcomes. */
class DeliveryEventsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-01T10:00:00.123Z"), ZoneOffset.UTC);
    private static final Mailbox RCPT = new Mailbox("ann", "x.test");
    private static final SpooledMessage MESSAGE = new SpooledMessage(new Envelope(new QueueId("Q1"), new Mailbox("app", "s.test"),
            List.of(RCPT), Envelope.BodyType.EIGHT_BIT_MIME, false, Instant.parse("2026-12-01T09:59:58Z"), "client", ""),
            List.of(RecipientState.PENDING), 100);
    private static final RecipientOutcome.Route ROUTE = new RecipientOutcome.Route("x.test", "mx.x.test", "127.0.3.9", "TLSv1.3");

    @TempDir
    Path spool;

    private DeliveryEvents start() throws Exception {
        var settings = EventSettings.of(Optional.of(spool.resolve("events.jsonl").toString()), 1 << 20, 1, Optional.empty(),
                Optional.empty(), 100, Duration.ofSeconds(5), Optional.empty(), Optional.empty(), List.of("X-Campaign"),
                Optional.empty(), Duration.ofSeconds(1), true, List.of("invalid-recipient"));
        return DeliveryEvents.start(settings, spool,
                id -> new ByteArrayInputStream("Message-ID: <m@s.test>\r\nX-Campaign: c9\r\n\r\nbody\r\n".getBytes(StandardCharsets.UTF_8)), CLOCK);
    }

    private static RecipientOutcome deferred() {
        return new RecipientOutcome(0, RCPT, RecipientOutcome.Kind.DEFERRED, 451, "4.7.0", "451 4.7.0 [TSS04] temporarily deferred due to unexpected volume");
    }

    private List<JsonNode> fileEvents() throws Exception {
        List<JsonNode> out = new ArrayList<>();
        Path file = spool.resolve("events.jsonl");
        if (Files.exists(file)) for (String line : Files.readAllLines(file)) out.add(JSON.readTree(line));
        return out;
    }

    @Test
    void attemptsCountOnAcrossARestartSoIdsStayUnique() throws Exception {
        try (var events = start()) {
            events.outcomes(MESSAGE, ROUTE, List.of(deferred()));
            events.outcomes(MESSAGE, ROUTE, List.of(deferred()));
        }
        try (var events = start()) {
            events.outcomes(MESSAGE, ROUTE, List.of(new RecipientOutcome(0, RCPT, RecipientOutcome.Kind.DELIVERED, 250, "2.0.0", "250 2.0.0 ok")));
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (fileEvents().stream().noneMatch(e -> e.get("type").asText().equals("delivery")) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        }
        List<JsonNode> events = fileEvents();
        assertThat(events).extracting(e -> e.get("id").asText()).as("in order; once each after a clean stop")
                .containsExactly("Q1.0.1t", "Q1.0.2t", "Q1.0.3d");
        JsonNode first = events.getFirst();
        assertThat(first.get("type").asText()).isEqualTo("transient-failure");
        assertThat(first.get("bounce_class").asText()).isEqualTo("rate-limited");
        assertThat(first.get("time").asText()).isEqualTo("2026-12-01T10:00:00.123Z");
        assertThat(first.get("delay_s").asDouble()).isEqualTo(2.123);
        assertThat(first.get("message_id").asText()).isEqualTo("<m@s.test>");
        assertThat(first.get("headers").get("X-Campaign").asText()).isEqualTo("c9");
        assertThat(first.get("tls").asText()).isEqualTo("TLSv1.3");
        assertThat(first.has("tenant")).isFalse();
    }

    @Test
    void aBounceOfASuppressingClassPutsTheRecipientOnTheListDurably() throws Exception {
        try (var events = start()) {
            assertThat(events.suppression(RCPT)).isEmpty();
            events.outcomes(MESSAGE, ROUTE, List.of(new RecipientOutcome(0, RCPT, RecipientOutcome.Kind.FAILED, 550, "5.2.2",
                    "552 5.2.2 mailbox full")));
            assertThat(events.suppression(RCPT)).as("mailbox-full is not a suppressing class here").isEmpty();
            events.outcomes(MESSAGE, ROUTE, List.of(new RecipientOutcome(0, RCPT, RecipientOutcome.Kind.FAILED, 550, "5.1.1",
                    "550 5.1.1 user unknown")));
            assertThat(events.suppression(RCPT)).isPresent();
        }
        try (var events = start()) {
            var entry = events.suppression(new Mailbox("ANN", "X.TEST")).orElseThrow();
            assertThat(entry.bounceClass()).isEqualTo(BounceClass.INVALID_RECIPIENT);
            assertThat(entry.reply()).isEqualTo("550 5.1.1 user unknown");
            assertThat(entry.since()).isEqualTo("2026-12-01T10:00:00.123Z");
        }
    }
}
