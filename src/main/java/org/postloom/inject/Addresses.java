package org.postloom.inject;

import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import java.util.regex.Pattern;
import org.postloom.mail.Mailbox;

/** Addresses given in a request: a bare {@code local@domain}, checked as RFC 5321 paths are. */
final class Addresses {

    private static final int MAX_LOCAL_PART = 64;   // RFC 5321 4.5.3.1.1
    private static final int MAX_DOMAIN = 255;      // RFC 5321 4.5.3.1.2
    private static final Pattern DOMAIN = Pattern.compile(
            "[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*");
    private static final Pattern UNPRINTABLE = Pattern.compile("[\\p{Cntrl}\"\\\\]");

    private Addresses() {}

    /** The address in {@code text}, or a 400 naming {@code field}. */
    static Mailbox parse(String text, String field) throws Refusal {
        int at = text.lastIndexOf('@');
        String why = at <= 0 || at == text.length() - 1 ? "is not of the form local-part@domain"
                : !text.chars().allMatch(c -> c > 0x20 && c < 0x7f) ? "must be printable ASCII without spaces"
                : at > MAX_LOCAL_PART ? "has a local part over " + MAX_LOCAL_PART + " octets"
                : text.length() - at - 1 > MAX_DOMAIN ? "has a domain over " + MAX_DOMAIN + " octets"
                : strictSyntax(text);
        if (why != null) throw Refusal.badRequest(field + ": \"" + printable(text) + "\" " + why);
        return new Mailbox(text.substring(0, at), text.substring(at + 1));
    }

    /** RFC 822 syntax as Jakarta Mail checks it, with a dotted domain; null when good. */
    private static String strictSyntax(String text) {
        try {
            InternetAddress address = new InternetAddress(text, true);
            if (!text.equals(address.getAddress()) || address.getPersonal() != null) return "is not a bare address";
            String domain = text.substring(text.lastIndexOf('@') + 1);
            if (!domain.startsWith("[") && !DOMAIN.matcher(domain).matches()) {
                return "has an invalid domain";
            }
            return null;
        } catch (AddressException e) {
            return "is not a valid address (" + e.getMessage() + ")";
        }
    }

    /** Enough of a bad value to recognise it, without echoing control characters back. */
    static String printable(String s) {
        String shown = s.length() > 100 ? s.substring(0, 100) + "..." : s;
        return UNPRINTABLE.matcher(shown).replaceAll("?");
    }
}
