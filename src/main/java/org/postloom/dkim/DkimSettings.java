package org.postloom.dkim;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;

/**
 * How messages are signed, apart from the keys.
 *
 * @param headers        canonicalization of the header fields ({@code c=} before the slash)
 * @param body           canonicalization of the body ({@code c=} after the slash)
 * @param signedHeaders  the fields signed when present; From is always among them
 * @param parentDomains  whether a From domain without keys may be signed by a parent's keys
 * @param headerCap      bytes of header block kept per message; beyond it nothing is signed
 */
public record DkimSettings(Canonicalization headers, Canonicalization body, List<String> signedHeaders,
                           boolean parentDomains, int headerCap) {

    /** The fields a transactional message is judged by (RFC 6376 5.4.1 lists most of them). */
    public static final List<String> DEFAULT_HEADERS = List.of("From", "To", "Cc", "Subject", "Date",
            "Message-ID", "Reply-To", "In-Reply-To", "References", "MIME-Version", "Content-Type",
            "Content-Transfer-Encoding", "List-Unsubscribe", "List-Unsubscribe-Post");

    public static final int DEFAULT_HEADER_CAP = 256 << 10;

    public DkimSettings {
        // RFC 6376 5.4: the From field MUST be signed. Each name once: occurrences are counted later.
        var names = new LinkedHashMap<String, String>();
        names.put("from", "From");
        signedHeaders.stream().map(String::strip).filter(n -> !n.isEmpty())
                .forEach(n -> names.putIfAbsent(n.toLowerCase(Locale.ROOT), n));
        signedHeaders = List.copyOf(names.values());
    }

    public static DkimSettings defaults() {
        return new DkimSettings(Canonicalization.RELAXED, Canonicalization.RELAXED, DEFAULT_HEADERS, false,
                DEFAULT_HEADER_CAP);
    }

    /** {@code relaxed/relaxed}, {@code simple/simple}, or one name alone (RFC 6376 3.5: the body then is simple). */
    public DkimSettings withCanonicalization(String c) {
        String[] parts = c.strip().toLowerCase(Locale.ROOT).split("/", -1);
        if (parts.length > 2) throw new IllegalArgumentException("DKIM canonicalization '" + c + "': use header/body");
        return new DkimSettings(Canonicalization.parse(parts[0]),
                parts.length == 2 ? Canonicalization.parse(parts[1]) : Canonicalization.SIMPLE,
                signedHeaders, parentDomains, headerCap);
    }

    public DkimSettings withSignedHeaders(List<String> names) {
        return new DkimSettings(headers, body, names, parentDomains, headerCap);
    }

    public DkimSettings withParentDomains(boolean allowed) {
        return new DkimSettings(headers, body, signedHeaders, allowed, headerCap);
    }

    public DkimSettings withHeaderCap(int bytes) {
        return new DkimSettings(headers, body, signedHeaders, parentDomains, bytes);
    }
}
