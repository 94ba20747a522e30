package org.postloom.smtp;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.postloom.mail.Mailbox;

/**
 * The argument of MAIL and RCPT: {@code FROM:<path> params} or {@code TO:<path> params}
 * (RFC 5321 4.1.2), with the UTF-8 extensions of RFC 6531 3.3 when the client asked for them.
 *
 * @param mailbox    the address; {@link Mailbox#NULL} for {@code <>}
 * @param parameters ESMTP parameters, keywords in upper case, values as given (null if none)
 */
public record PathArgument(Mailbox mailbox, Map<String, String> parameters) {

    private static final int MAX_LOCAL_PART = 64;   // RFC 5321 4.5.3.1.1
    private static final int MAX_DOMAIN = 255;      // RFC 5321 4.5.3.1.2
    private static final int MAX_PATH = 256;        // RFC 5321 4.5.3.1.3

    /**
     * Parses {@code FROM:<...>} (with {@code keyword} "FROM") or {@code TO:<...>}. Accepts a space
     * after the colon, as most servers do, and ignores a source route (RFC 5321 4.1.1.3 and
     * appendix C). Non-ASCII is parsed here and judged by the session, which knows SMTPUTF8.
     */
    public static PathArgument parse(String keyword, String argument, boolean allowNull) throws SyntaxError {
        String prefix = keyword + ":";
        if (argument.length() < prefix.length() || !argument.regionMatches(true, 0, prefix, 0, prefix.length())) {
            throw new SyntaxError(501, "5.5.4", "Syntax: " + (keyword.equals("FROM") ? "MAIL FROM:<address>" : "RCPT TO:<address>"));
        }
        String rest = argument.substring(prefix.length()).stripLeading();
        if (!rest.startsWith("<")) throw new SyntaxError(501, statusFor(keyword), "Address must be in angle brackets");
        int close = closingBracket(rest);
        if (close < 0) throw new SyntaxError(501, statusFor(keyword), "Unterminated address");
        String path = rest.substring(1, close);
        if (path.length() > MAX_PATH) throw new SyntaxError(501, statusFor(keyword), "Path too long");
        Mailbox mailbox = path.isEmpty() ? Mailbox.NULL : mailbox(stripSourceRoute(path, keyword), keyword);
        if (mailbox.isNull() && !allowNull) throw new SyntaxError(501, statusFor(keyword), "Null address not allowed here");
        String params = rest.substring(close + 1);
        if (!params.isEmpty() && !params.startsWith(" ")) throw new SyntaxError(501, "5.5.4", "Space expected after the address");
        return new PathArgument(mailbox, parameters(params.strip()));
    }

    /** 5.1.7 is a bad sender address, 5.1.3 a bad recipient address (RFC 3463). */
    private static String statusFor(String keyword) {
        return keyword.equals("FROM") ? "5.1.7" : "5.1.3";
    }

    /** The '>' that closes the path: quoted strings may contain '>' (RFC 5321 4.1.2). */
    private static int closingBracket(String s) {
        boolean quoted = false;
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && quoted) {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == '>' && !quoted) {
                return i;
            }
        }
        return -1;
    }

    private static String stripSourceRoute(String path, String keyword) throws SyntaxError {
        if (!path.startsWith("@")) return path;
        int colon = path.indexOf(':');
        if (colon < 0) throw new SyntaxError(501, statusFor(keyword), "Bad source route");
        for (String hop : path.substring(0, colon).split(",", -1)) {
            if (!hop.startsWith("@") || !isDomain(hop.substring(1))) {
                throw new SyntaxError(501, statusFor(keyword), "Bad source route");
            }
        }
        return path.substring(colon + 1);
    }

    private static Mailbox mailbox(String text, String keyword) throws SyntaxError {
        int at = text.lastIndexOf('@');
        if (at <= 0 || at == text.length() - 1) throw new SyntaxError(501, statusFor(keyword), "Address must be local-part@domain");
        String local = text.substring(0, at);
        String domain = text.substring(at + 1);
        if (local.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_LOCAL_PART || !isLocalPart(local)) {
            throw new SyntaxError(501, statusFor(keyword), "Bad local part");
        }
        if (domain.length() > MAX_DOMAIN || !(isDomain(domain) || isAddressLiteral(domain))) {
            throw new SyntaxError(501, statusFor(keyword), "Bad domain");
        }
        return new Mailbox(local, domain);
    }

    static boolean isLocalPart(String s) {
        return s.startsWith("\"") ? isQuotedString(s) : isDotString(s);
    }

    private static boolean isDotString(String s) {
        if (s.isEmpty() || s.startsWith(".") || s.endsWith(".") || s.contains("..")) return false;
        return s.chars().allMatch(c -> c == '.' || isAtext(c));
    }

    /** RFC 5322 atext, plus any non-ASCII character (RFC 6531 3.3). */
    private static boolean isAtext(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "!#$%&'*+-/=?^_`{|}~".indexOf(c) >= 0 || c >= 0x80;
    }

    private static boolean isQuotedString(String s) {
        if (s.length() < 2 || !s.endsWith("\"")) return false;
        for (int i = 1; i < s.length() - 1; i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                i++;
                if (i >= s.length() - 1 || s.charAt(i) < 32 || s.charAt(i) > 126) return false;
            } else if (c == '"' || (c < 32 || c == 127)) {
                return false;
            }
        }
        return true;
    }

    static boolean isDomain(String s) {
        if (s.isEmpty() || s.length() > MAX_DOMAIN) return false;
        for (String label : s.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63 || label.startsWith("-") || label.endsWith("-")) return false;
            if (!label.chars().allMatch(c -> Character.isLetterOrDigit(c) && (c < 0x80 || c > 0x9f) || c == '-')) return false;
        }
        return true;
    }

    private static boolean isAddressLiteral(String s) {
        if (!s.startsWith("[") || !s.endsWith("]")) return false;
        String inner = s.substring(1, s.length() - 1);
        if (inner.regionMatches(true, 0, "IPv6:", 0, 5)) {
            return inner.substring(5).matches("[0-9A-Fa-f:.]{2,45}") && inner.indexOf(':', 5) >= 0;
        }
        String[] octets = inner.split("\\.", -1);
        if (octets.length != 4) return false;
        for (String o : octets) {
            if (!o.matches("[0-9]{1,3}") || Integer.parseInt(o) > 255) return false;
        }
        return true;
    }

    private static Map<String, String> parameters(String text) throws SyntaxError {
        Map<String, String> out = new LinkedHashMap<>();
        if (text.isEmpty()) return out;
        for (String param : text.split(" +")) {
            int eq = param.indexOf('=');
            String key = (eq < 0 ? param : param.substring(0, eq)).toUpperCase(Locale.ROOT);
            String value = eq < 0 ? null : param.substring(eq + 1);
            if (!isEsmtpKeyword(key) || (value != null && !isEsmtpValue(value))) {
                throw new SyntaxError(501, "5.5.4", "Bad parameter syntax: " + printable(param));
            }
            if (out.containsKey(key)) throw new SyntaxError(501, "5.5.4", "Duplicate parameter " + key);
            out.put(key, value);
        }
        return out;
    }

    /** RFC 5321 esmtp-keyword (already in upper case): a letter or digit, then letters, digits, '-'. */
    private static boolean isEsmtpKeyword(String k) {
        if (k.isEmpty() || k.charAt(0) == '-') return false;
        return k.chars().allMatch(c -> (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-');
    }

    /** One to {@code maxLength} ASCII digits, as SIZE and BDAT sizes are written. */
    static boolean isDigits(String s, int maxLength) {
        return !s.isEmpty() && s.length() <= maxLength && s.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    /** RFC 5321 esmtp-value, plus UTF-8 (RFC 6531 3.3). */
    private static boolean isEsmtpValue(String v) {
        return !v.isEmpty() && v.chars().allMatch(c -> (c >= 33 && c <= 126 && c != '=') || c >= 0x80);
    }

    /** Echo client text in a reply without letting control characters through. */
    static String printable(String s) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < Math.min(s.length(), 64); i++) {
            char c = s.charAt(i);
            out.append(c >= 32 && c < 127 ? c : '?');
        }
        return out.toString();
    }
}
