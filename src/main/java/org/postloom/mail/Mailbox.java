package org.postloom.mail;

import java.util.Locale;

/**
 * An address as it appears in a path: {@code local-part@domain}. The local part keeps its case
 * (RFC 5321 2.4); the domain is compared without case.
 */
public record Mailbox(String localPart, String domain) {

    /** The null reverse-path {@code <>}, used by bounces. */
    public static final Mailbox NULL = new Mailbox("", "");

    public boolean isNull() {
        return localPart.isEmpty() && domain.isEmpty();
    }

    /** The domain in lower case, as a routing key. */
    public String domainKey() {
        return domain.toLowerCase(Locale.ROOT);
    }

    /** Whether any part needs SMTPUTF8 to travel (RFC 6531). */
    public boolean isInternationalized() {
        return !isAscii(localPart) || !isAscii(domain);
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) return false;
        }
        return true;
    }

    @Override
    public String toString() {
        return isNull() ? "" : localPart + "@" + domain;
    }
}
