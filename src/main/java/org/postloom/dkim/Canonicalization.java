package org.postloom.dkim;

import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.util.Locale;

/**
 * The two canonicalization algorithms of RFC 6376 3.4, for header fields (applied to one whole
 * field at a time) and for the body (streamed, see {@link BodyCanonicalizer}).
 */
public enum Canonicalization {

    /** RFC 6376 3.4.1 and 3.4.3: header fields unchanged; only trailing empty body lines go. */
    SIMPLE,
    /** RFC 6376 3.4.2 and 3.4.4: tolerant of whitespace changes and header folding on the way. */
    RELAXED;

    /** The name used in the {@code c=} tag. */
    public String tagName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Canonicalization parse(String name) {
        return switch (name.strip().toLowerCase(Locale.ROOT)) {
            case "simple" -> SIMPLE;
            case "relaxed" -> RELAXED;
            default -> throw new IllegalArgumentException("unknown DKIM canonicalization '" + name
                    + "' (use simple or relaxed)");
        };
    }

    /** A fresh streaming body canonicalizer that feeds {@code digest}. */
    BodyCanonicalizer body(MessageDigest digest) {
        return this == SIMPLE ? new BodyCanonicalizer.Simple(digest) : new BodyCanonicalizer.Relaxed(digest);
    }

    /**
     * One header field in canonical form, ending in CRLF.
     *
     * @param field the field as it appears in the message: name, colon, value with any folding,
     *              and its final CRLF
     */
    byte[] header(byte[] field) {
        return this == SIMPLE ? field : relaxedHeader(field);
    }

    /**
     * RFC 6376 3.4.2: lowercase the name, unfold, reduce each run of WSP to one SP, and drop WSP
     * at the end of the value and on both sides of the colon.
     */
    private static byte[] relaxedHeader(byte[] field) {
        int end = field.length;
        if (end >= 2 && field[end - 2] == '\r' && field[end - 1] == '\n') end -= 2;
        int colon = 0;
        while (colon < end && field[colon] != ':') colon++;
        var out = new ByteArrayOutputStream(field.length);
        int nameEnd = colon;
        while (nameEnd > 0 && isWsp(field[nameEnd - 1])) nameEnd--;
        for (int i = 0; i < nameEnd; i++) {
            byte b = field[i];
            out.write(b >= 'A' && b <= 'Z' ? b + ('a' - 'A') : b);
        }
        out.write(':');
        boolean space = false;
        boolean started = false;
        for (int i = colon + 1; i < end; i++) {
            byte b = field[i];
            if (b == '\r' || b == '\n') continue; // unfolding: the WSP after the CRLF remains
            if (isWsp(b)) {
                space = started;
                continue;
            }
            if (space) out.write(' ');
            space = false;
            started = true;
            out.write(b);
        }
        out.write('\r');
        out.write('\n');
        return out.toByteArray();
    }

    static boolean isWsp(byte b) {
        return b == ' ' || b == '\t';
    }
}
