package org.postloom.events;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

/**
 * An event's wire form (CONTRACT.md section 3), written with Jackson's streaming generator: the
 * same bytes as {@code ObjectMapper.writeValueAsBytes(event)} under {@link Event}'s annotations
 * (fields in declaration order, snake_case names, nulls left out), which {@code EventCodecTest}
 * checks, at a fraction of the cost. Two events are written per relayed message, on the session's
 * and the courier's threads, and databind's per-call serializer lookup and bean introspection were
 * a tenth of the relay's samples in the webhook bench cell ({@code bench/results/webhook-warm/README.md}).
 */
final class EventCodec {

    private static final JsonFactory FACTORY = new JsonFactory();
    private static final SerializableString ID = name("id"), TYPE = name("type"), TIME = name("time"),
            QUEUE_ID = name("queue_id"), SENDER = name("sender"), RECIPIENT = name("recipient"),
            RECIPIENTS = name("recipients"), SIZE = name("size"), MESSAGE_ID = name("message_id"), TENANT = name("tenant"),
            HEADERS = name("headers"), SITE = name("site"), MX_HOST = name("mx_host"), MX_ADDRESS = name("mx_address"),
            SOURCE = name("source"), SOURCE_ADDRESS = name("source_address"), ATTEMPT = name("attempt"),
            STATUS = name("status"), REPLY = name("reply"), TLS = name("tls"), DELAY_S = name("delay_s"),
            BOUNCE_CLASS = name("bounce_class");

    /** The second a cached time prefix stands for, and the prefix ({@code 2026-12-01T19:19:08.}). */
    private record Second(long epochSecond, String prefix) {}

    private static volatile Second second = new Second(Long.MIN_VALUE, "");

    private EventCodec() {}

    private static SerializableString name(String name) {
        return new SerializedString(name);
    }

    /** RFC 3339 in UTC with milliseconds ({@code 2026-12-01T19:19:08.123Z}), the date part cached per second. */
    static String time(Instant at) {
        Second s = second;
        if (s.epochSecond() != at.getEpochSecond()) {
            LocalDateTime t = LocalDateTime.ofEpochSecond(at.getEpochSecond(), 0, ZoneOffset.UTC);
            s = new Second(at.getEpochSecond(), String.format("%04d-%02d-%02dT%02d:%02d:%02d.",
                    t.getYear(), t.getMonthValue(), t.getDayOfMonth(), t.getHour(), t.getMinute(), t.getSecond()));
            second = s;
        }
        int millis = at.getNano() / 1_000_000;
        char[] tail = {(char) ('0' + millis / 100), (char) ('0' + millis / 10 % 10), (char) ('0' + millis % 10), 'Z'};
        return s.prefix().concat(new String(tail));
    }

    static byte[] encode(Event e) {
        try (ByteArrayBuilder out = new ByteArrayBuilder(512)) {
            try (JsonGenerator g = FACTORY.createGenerator(out)) {
                g.writeStartObject();
                string(g, ID, e.id());
                if (e.type() != null) string(g, TYPE, e.type().wireName());
                string(g, TIME, e.time());
                string(g, QUEUE_ID, e.queueId());
                string(g, SENDER, e.sender());
                string(g, RECIPIENT, e.recipient());
                strings(g, RECIPIENTS, e.recipients());
                number(g, SIZE, e.size());
                string(g, MESSAGE_ID, e.messageId());
                string(g, TENANT, e.tenant());
                fields(g, HEADERS, e.headers());
                string(g, SITE, e.site());
                string(g, MX_HOST, e.mxHost());
                string(g, MX_ADDRESS, e.mxAddress());
                string(g, SOURCE, e.source());
                string(g, SOURCE_ADDRESS, e.sourceAddress());
                number(g, ATTEMPT, e.attempt());
                string(g, STATUS, e.status());
                string(g, REPLY, e.reply());
                string(g, TLS, e.tls());
                number(g, DELAY_S, e.delayS());
                if (e.bounceClass() != null) string(g, BOUNCE_CLASS, e.bounceClass().wireName());
                g.writeEndObject();
            }
            return out.toByteArray();
        } catch (IOException x) {
            throw new UncheckedIOException("event not encodable: " + e.id(), x); // a byte array never fails
        }
    }

    private static void string(JsonGenerator g, SerializableString name, String value) throws IOException {
        if (value == null) return;
        g.writeFieldName(name);
        g.writeString(value);
    }

    /** A number as databind writes it: an integer for Integer and Long, a decimal for Double. */
    private static void number(JsonGenerator g, SerializableString name, Number value) throws IOException {
        if (value == null) return;
        g.writeFieldName(name);
        switch (value) {
            case Integer i -> g.writeNumber(i);
            case Long l -> g.writeNumber(l);
            case Double d -> g.writeNumber(d);
            default -> throw new IllegalArgumentException("no wire form for " + value.getClass());
        }
    }

    private static void strings(JsonGenerator g, SerializableString name, List<String> values) throws IOException {
        if (values == null) return;
        g.writeFieldName(name);
        g.writeStartArray();
        for (String v : values) g.writeString(v);
        g.writeEndArray();
    }

    private static void fields(JsonGenerator g, SerializableString name, Map<String, String> values) throws IOException {
        if (values == null) return;
        g.writeFieldName(name);
        g.writeStartObject();
        for (Map.Entry<String, String> f : values.entrySet()) {
            g.writeFieldName(f.getKey());
            if (f.getValue() == null) g.writeNull();
            else g.writeString(f.getValue());
        }
        g.writeEndObject();
    }
}
