package org.postloom.dkim;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * One header field as the client sent it: {@code raw} holds the name, the colon, the value with
 * its folding, and the final CRLF, byte for byte (simple canonicalization signs it unchanged).
 *
 * @param name the field name, lowercase (RFC 5322 field names are case-insensitive)
 */
record HeaderField(String name, byte[] raw) {

    /** The value: everything after the colon, unfolded (CRLFs removed), without the final CRLF. */
    String value() {
        int colon = 0;
        while (colon < raw.length && raw[colon] != ':') colon++;
        var text = new String(raw, Math.min(colon + 1, raw.length), Math.max(0, raw.length - colon - 1),
                StandardCharsets.UTF_8);
        return text.replace("\r", "").replace("\n", "");
    }

    /**
     * Splits a header block (the fields, each ending in CRLF, without the empty line after them)
     * into fields: a line that starts with WSP continues the field before it (RFC 5322 2.2.3).
     */
    static List<HeaderField> parse(byte[] block, int length) {
        var fields = new ArrayList<HeaderField>();
        int start = 0;
        int i = 0;
        while (i < length) {
            int lineEnd = i;
            while (lineEnd < length && block[lineEnd] != '\n') lineEnd++;
            int next = Math.min(lineEnd + 1, length);
            boolean continues = next < length && Canonicalization.isWsp(block[next]);
            if (!continues) {
                fields.add(of(Arrays.copyOfRange(block, start, next)));
                start = next;
            }
            i = next;
        }
        return fields;
    }

    private static HeaderField of(byte[] raw) {
        int colon = 0;
        while (colon < raw.length && raw[colon] != ':' && raw[colon] != '\r' && raw[colon] != '\n') colon++;
        // A line without a colon is not a field; an empty name keeps it out of every selection.
        String name = colon < raw.length && raw[colon] == ':'
                ? new String(raw, 0, colon, StandardCharsets.ISO_8859_1).strip().toLowerCase(Locale.ROOT)
                : "";
        return new HeaderField(name, raw);
    }
}
