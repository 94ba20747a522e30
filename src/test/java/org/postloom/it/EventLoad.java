package org.postloom.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The load of issue 14 for every sink's test: recipients the next hop takes at once ({@code ok*}),
 * defers once with 451 and then takes ({@code later*}), and refuses with 550 5.1.1
 * ({@code gone*}); and the checks of what the events must say about it.
 */
final class EventLoad {

    static final String MX_ADDRESS = "127.0.3.2";
    static final List<List<String>> MESSAGES = List.of(
            List.of("ok1@dest.test"), List.of("ok2@dest.test"), List.of("later1@dest.test"), List.of("gone1@dest.test"),
            List.of("ok3@dest.test", "later2@dest.test", "gone2@dest.test"));
    static final Set<String> RECIPIENTS = MESSAGES.stream().flatMap(List::stream).collect(Collectors.toSet());

    private EventLoad() {}

    /** The next hop's answers: 550 5.1.1 for gone*, 451 the first time for later*, 451 always for hold*, else 250. */
    static CapturingSink.Policy policy() {
        Set<String> deferredOnce = ConcurrentHashMap.newKeySet();
        return new CapturingSink.Policy() {
            @Override
            public String rcpt(String address, int transaction) {
                if (address.startsWith("hold")) return "451 4.2.1 Mailbox busy, try later";
                if (address.startsWith("gone")) return "550 5.1.1 <" + address + ">: Recipient address rejected: User unknown";
                if (address.startsWith("later") && deferredOnce.add(address)) return "451 4.3.0 Try again later";
                return "250 2.1.5 Ok";
            }
        };
    }

    /** Sends the load; returns the queue ids in the order of {@link #MESSAGES}. */
    static List<String> send(int smtpPort) throws IOException {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < MESSAGES.size(); i++) {
            ids.add(MessageSender.send(smtpPort, "app@sender.test", MESSAGES.get(i),
                    "Message-ID: <load" + i + "@sender.test>\r\nX-Campaign: c1\r\nSubject: load " + i + "\r\n\r\nbody\r\n"));
        }
        return ids;
    }

    /** Whether every recipient has its terminal event and every message its reception. */
    static boolean complete(Map<String, JsonNode> byId) {
        long receptions = byId.values().stream().filter(e -> e.get("type").asText().equals("reception")).count();
        return receptions >= MESSAGES.size() && terminalByRecipient(byId.values()).keySet().containsAll(RECIPIENTS);
    }

    static Map<String, List<JsonNode>> terminalByRecipient(Collection<JsonNode> events) {
        return events.stream().filter(e -> Set.of("delivery", "bounce", "expiration", "suppression").contains(e.get("type").asText()))
                .collect(Collectors.groupingBy(e -> e.get("recipient").asText()));
    }

    /** The checks every sink must pass, on its deduplicated events (those of the load's messages). */
    static void check(Map<String, JsonNode> byId, List<String> queueIds) {
        Collection<JsonNode> events = byId.values().stream().filter(e -> queueIds.contains(e.get("queue_id").asText())).toList();
        for (var entry : byId.entrySet()) assertThat(entry.getValue().get("id").asText()).isEqualTo(entry.getKey());
        var terminal = terminalByRecipient(events);
        assertThat(terminal.keySet()).containsExactlyInAnyOrderElementsOf(RECIPIENTS);
        terminal.forEach((rcpt, list) -> assertThat(list).as("terminal events of " + rcpt).hasSize(1));

        for (String id : queueIds) {
            JsonNode reception = byId.get(id + ".r");
            assertThat(reception).as("reception of " + id).isNotNull();
            assertThat(reception.get("sender").asText()).isEqualTo("app@sender.test");
            assertThat(reception.get("size").asLong()).isPositive();
            assertThat(reception.get("headers").get("X-Campaign").asText()).isEqualTo("c1");
        }
        JsonNode ok = terminal.get("ok1@dest.test").getFirst();
        assertThat(ok.get("type").asText()).isEqualTo("delivery");
        assertThat(ok.get("queue_id").asText()).isEqualTo(queueIds.getFirst());
        assertThat(ok.get("time").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
        assertThat(ok.get("message_id").asText()).isEqualTo("<load0@sender.test>");
        assertThat(ok.get("headers").get("X-Campaign").asText()).isEqualTo("c1");
        assertThat(ok.get("site").asText()).as("the site as GET /sites names it: its MX host set").isEqualTo("mx.dest.test");
        assertThat(ok.get("mx_host").asText()).isEqualTo("mx.dest.test");
        assertThat(ok.get("mx_address").asText()).isEqualTo(MX_ADDRESS);
        assertThat(ok.get("attempt").asInt()).isEqualTo(1);
        assertThat(ok.get("status").asText()).isEqualTo("2.0.0");
        assertThat(ok.get("reply").asText()).startsWith("250 2.0.0");
        assertThat(ok.has("bounce_class")).isFalse();
        assertThat(ok.has("tls")).as("the sink speaks clear text").isFalse();
        assertThat(ok.get("delay_s").asDouble()).isGreaterThanOrEqualTo(0);

        for (String later : List.of("later1@dest.test", "later2@dest.test")) {
            List<JsonNode> transient_ = events.stream().filter(e -> e.get("type").asText().equals("transient-failure")
                    && e.get("recipient").asText().equals(later)).toList();
            assertThat(transient_).as("451s of " + later).hasSize(1);
            assertThat(transient_.getFirst().get("status").asText()).isEqualTo("4.3.0");
            assertThat(transient_.getFirst().get("attempt").asInt()).isEqualTo(1);
            assertThat(transient_.getFirst().has("bounce_class")).isTrue();
            JsonNode delivered = terminal.get(later).getFirst();
            assertThat(delivered.get("type").asText()).isEqualTo("delivery");
            assertThat(delivered.get("attempt").asInt()).isEqualTo(2);
        }
        for (String gone : List.of("gone1@dest.test", "gone2@dest.test")) {
            JsonNode bounce = terminal.get(gone).getFirst();
            assertThat(bounce.get("type").asText()).isEqualTo("bounce");
            assertThat(bounce.get("status").asText()).isEqualTo("5.1.1");
            assertThat(bounce.get("bounce_class").asText()).isEqualTo("invalid-recipient");
            assertThat(bounce.get("reply").asText()).contains("User unknown");
        }
    }
}
