package org.postloom.dkim;

import java.net.IDN;
import java.util.Locale;
import java.util.Optional;

/**
 * The domain of the first address in a From field (RFC 5322 3.6.2), which names the signing
 * domain. Pragmatic rather than a full RFC 5322 parser: comments and quoted strings are set
 * aside first (a display name may hold {@code <}, {@code @} or commas), then the address is the
 * first angle-bracketed one, or else the first of the comma-separated list; group syntax
 * ({@code team: a@x, b@y;}) is skipped over.
 */
final class FromDomain {

    private FromDomain() {
    }

    /** The domain in lowercase A-labels (RFC 5890), or empty if none is recognisable. */
    static Optional<String> of(String fieldValue) {
        String plain = withoutCommentsAndQuotes(fieldValue);
        String address;
        int open = plain.indexOf('<');
        if (open >= 0) {
            int close = plain.indexOf('>', open);
            address = plain.substring(open + 1, close < 0 ? plain.length() : close);
        } else {
            address = plain;
            int group = address.indexOf(':');
            if (group >= 0) address = address.substring(group + 1);
            int comma = address.indexOf(',');
            if (comma >= 0) address = address.substring(0, comma);
            int semicolon = address.indexOf(';');
            if (semicolon >= 0) address = address.substring(0, semicolon);
        }
        int at = address.lastIndexOf('@');
        if (at < 0) return Optional.empty();
        String domain = address.substring(at + 1).strip();
        if (domain.endsWith(".")) domain = domain.substring(0, domain.length() - 1);
        if (domain.isEmpty() || domain.startsWith("[") || hasSpaceOrControl(domain)) {
            return Optional.empty(); // an address literal cannot name a signing domain
        }
        try {
            return Optional.of(IDN.toASCII(domain, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static boolean hasSpaceOrControl(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) <= ' ') return true;
        }
        return false;
    }

    /**
     * The value with comments (nested, RFC 5322 3.2.2) removed and each quoted string (3.2.4)
     * reduced to {@code ""}, honouring backslash escapes in both.
     */
    private static String withoutCommentsAndQuotes(String value) {
        var out = new StringBuilder(value.length());
        int depth = 0;
        boolean quoted = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((quoted || depth > 0) && c == '\\') {
                i++; // quoted-pair: the next character is taken literally
            } else if (quoted) {
                if (c == '"') {
                    quoted = false;
                    out.append('"');
                }
            } else if (c == '(') {
                depth++;
            } else if (depth > 0) {
                if (c == ')') depth--;
            } else if (c == '"') {
                quoted = true;
                out.append('"');
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
