package org.postloom.events;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The few header fields an event carries (Message-ID and {@code postloom.events.headers}), read
 * from the start of a message: unfolded (RFC 5322 2.2.3), first occurrence wins, and no more
 * than {@link #LIMIT} bytes looked at.
 */
record MessageHeaders(String messageId, Map<String, String> fields) {

    /** Read at reception (a copy of the message's start) and after a restart alike, so both see the same fields. */
    static final int LIMIT = 16 * 1024;
    static final MessageHeaders NONE = new MessageHeaders(null, Map.of());

    /** Reads the header section from {@code in} (closed by the caller). */
    static MessageHeaders read(InputStream in, List<String> wanted) throws IOException {
        var head = new java.io.ByteArrayOutputStream(2048);
        byte[] chunk = new byte[2048];
        for (int n; head.size() < LIMIT && (n = in.read(chunk)) > 0; ) {
            head.write(chunk, 0, n);
            if (new String(chunk, 0, n, StandardCharsets.ISO_8859_1).contains("\r\n\r\n")) break; // the body is not needed
        }
        return parse(head.toByteArray(), wanted);
    }

    static MessageHeaders parse(byte[] head, List<String> wanted) {
        String text = new String(head, StandardCharsets.UTF_8);
        int end = text.indexOf("\r\n\r\n");
        if (end >= 0) text = text.substring(0, end);
        Map<String, String> found = new LinkedHashMap<>();
        String name = null;
        StringBuilder value = new StringBuilder();
        for (String line : text.split("\r\n", -1)) {
            if (!line.isEmpty() && (line.charAt(0) == ' ' || line.charAt(0) == '\t')) {
                if (name != null) value.append(line);
                continue;
            }
            if (name != null) found.putIfAbsent(name, value.toString().strip());
            int colon = line.indexOf(':');
            name = colon > 0 ? line.substring(0, colon).strip().toLowerCase(Locale.ROOT) : null;
            value.setLength(0);
            if (name != null) value.append(line, colon + 1, line.length());
        }
        if (name != null) found.putIfAbsent(name, value.toString().strip());
        Map<String, String> fields = new LinkedHashMap<>();
        for (String w : wanted) {
            String v = found.get(w.toLowerCase(Locale.ROOT));
            if (v != null) fields.put(w, v);
        }
        return new MessageHeaders(found.get("message-id"), fields);
    }
}
