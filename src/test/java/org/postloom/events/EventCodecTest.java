package org.postloom.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The streaming encoder writes exactly the bytes databind's {@code writeValueAsBytes} wrote for
 * {@link Event} under its annotations (the contract's wire form, which journals written before
 * hold); and the cached time stamp is the formatter's.
 */
class EventCodecTest {

    private static final ObjectMapper DATABIND = new ObjectMapper();
    private static final String[] AWKWARD = {"", "plain", "quote \" and \\ backslash", "tab\tnew\r\nline", "\u0001\u001f control",
            "é ü ß 日本語", "emoji \uD83D\uDCE7", "</script>", "421 4.7.0 [TS04] Messages from 127.0.2.1 temporarily deferred"};

    @Test
    void everyEventIsEncodedByteForByteAsDatabindDoes() throws Exception {
        SplittableRandom random = new SplittableRandom(14);
        for (int i = 0; i < 2_000; i++) {
            Event e = randomEvent(random);
            assertThat(new String(EventCodec.encode(e), StandardCharsets.UTF_8)).as("event %d", i)
                    .isEqualTo(new String(DATABIND.writeValueAsBytes(e), StandardCharsets.UTF_8));
        }
    }

    @Test
    void aReceptionAndADeliveryAsTheRelayMakesThem() throws Exception {
        Event reception = new Event("Vca0Zjt3b2E0000.r", EventType.RECEPTION, "2026-12-01T19:19:08.123Z", "Vca0Zjt3b2E0000",
                "s@client.test", null, List.of("a@x.test", "b@y.test"), 1024L, "<m1@test>", null, null, null, null, null, null,
                null, null, null, null, "TLSv1.3", null, null);
        assertThat(new String(EventCodec.encode(reception), StandardCharsets.UTF_8)).isEqualTo("{\"id\":\"Vca0Zjt3b2E0000.r\","
                + "\"type\":\"reception\",\"time\":\"2026-12-01T19:19:08.123Z\",\"queue_id\":\"Vca0Zjt3b2E0000\","
                + "\"sender\":\"s@client.test\",\"recipients\":[\"a@x.test\",\"b@y.test\"],\"size\":1024,"
                + "\"message_id\":\"<m1@test>\",\"tls\":\"TLSv1.3\"}");
        Event bounce = new Event("Q.0.2b", EventType.BOUNCE, "2026-12-01T19:19:08.000Z", "Q", "", "x@y.test", null, 10L, null,
                "acme", Map.of("X-Campaign", "spring"), "mx.y.test", "mx.y.test", "127.0.0.9", "ip1", "127.0.2.1", 2, "5.1.1",
                "550 5.1.1 no such user", null, 0.5, BounceClass.INVALID_RECIPIENT);
        assertThat(new String(EventCodec.encode(bounce), StandardCharsets.UTF_8)).isEqualTo(new String(DATABIND.writeValueAsBytes(bounce), StandardCharsets.UTF_8))
                .contains("\"bounce_class\":\"invalid-recipient\"").contains("\"delay_s\":0.5").contains("\"attempt\":2");
    }

    @Test
    void theCachedTimeIsTheFormattersAcrossSecondsDaysAndYears() {
        DateTimeFormatter reference = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
        Instant t = Instant.parse("2026-12-31T23:59:58.997Z");
        for (int i = 0; i < 5_000; i++, t = t.plus(Duration.ofNanos(1_000_000L + i * 7_919L))) {
            assertThat(EventCodec.time(t)).isEqualTo(reference.format(t));
        }
        assertThat(EventCodec.time(Instant.parse("2026-12-01T19:19:08.123Z"))).isEqualTo("2026-12-01T19:19:08.123Z");
        assertThat(EventCodec.time(Instant.parse("2024-02-29T00:00:00Z"))).isEqualTo("2024-02-29T00:00:00.000Z");
    }

    private static Event randomEvent(SplittableRandom r) {
        EventType[] types = EventType.values();
        BounceClass[] classes = BounceClass.values();
        Map<String, String> headers = null;
        if (r.nextBoolean()) {
            headers = new LinkedHashMap<>();
            for (int i = r.nextInt(4); i > 0; i--) headers.put(text(r), text(r));
        }
        return new Event(s(r), maybe(r, types[r.nextInt(types.length)]), s(r), s(r), s(r), s(r),
                r.nextBoolean() ? null : List.of(text(r), text(r)).subList(0, r.nextInt(3)), maybe(r, r.nextLong(0, 1L << 40)), s(r),
                s(r), headers, s(r), s(r), s(r), s(r), s(r), maybe(r, r.nextInt(1, 50)), s(r), s(r), s(r),
                maybe(r, r.nextInt(0, 4) == 0 ? r.nextDouble() * 1e-3 : Math.round(r.nextDouble() * 1e6) / 1000.0),
                maybe(r, classes[r.nextInt(classes.length)]));
    }

    private static String s(SplittableRandom r) {
        return r.nextInt(3) == 0 ? null : text(r);
    }

    private static String text(SplittableRandom r) {
        return AWKWARD[r.nextInt(AWKWARD.length)] + (r.nextBoolean() ? "" : "." + r.nextInt(1000));
    }

    private static <T> T maybe(SplittableRandom r, T value) {
        return r.nextInt(3) == 0 ? null : value;
    }
}
