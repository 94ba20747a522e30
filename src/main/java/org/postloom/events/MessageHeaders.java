package org.postloom.events;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
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

    /**
     * The wanted fields of the header section at the start of {@code head}. Only the header
     * section is decoded, and only the fields asked for are unfolded: this runs for every message
     * received while a sink is on.
     */
    static MessageHeaders parse(byte[] head, List<String> wanted) {
        String text = new String(head, 0, headerEnd(head), StandardCharsets.UTF_8);
        String messageId = null;
        String[] values = new String[wanted.size()];
        for (int at = 0; at < text.length(); ) {
            int eol = lineEnd(text, at);
            if (eol == at) break;                       // the empty line: the body follows
            int colon = text.indexOf(':', at);
            if (colon > at && colon < eol && !isFold(text, at)) {
                String name = text.substring(at, colon).strip();
                int next = eol;
                // A field's value runs on over the folded lines after it (RFC 5322 2.2.3).
                while (next + 2 < text.length() && isFold(text, next + 2)) next = lineEnd(text, next + 2);
                boolean isId = messageId == null && name.equalsIgnoreCase("message-id");
                int w = indexOfIgnoreCase(wanted, name);
                if (isId || w >= 0 && values[w] == null) {
                    String value = text.substring(colon + 1, next).replace("\r\n", "").strip();
                    if (isId) messageId = value;
                    if (w >= 0 && values[w] == null) values[w] = value;
                }
                eol = next;
            }
            at = eol + 2;
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (int i = 0; i < values.length; i++) {
            if (values[i] != null) fields.put(wanted.get(i), values[i]);
        }
        return new MessageHeaders(messageId, fields);
    }

    /** Where the header section ends: at the empty line, or the end of what was kept. */
    private static int headerEnd(byte[] head) {
        for (int i = 0; i + 3 < head.length; i++) {
            if (head[i] == '\r' && head[i + 1] == '\n' && head[i + 2] == '\r' && head[i + 3] == '\n') return i;
        }
        return head.length;
    }

    private static int lineEnd(String text, int from) {
        int eol = text.indexOf("\r\n", from);
        return eol < 0 ? text.length() : eol;
    }

    private static boolean isFold(String text, int lineStart) {
        return lineStart < text.length() && (text.charAt(lineStart) == ' ' || text.charAt(lineStart) == '\t');
    }

    private static int indexOfIgnoreCase(List<String> names, String name) {
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).equalsIgnoreCase(name)) return i;
        }
        return -1;
    }
}
