package org.postloom.mail;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * xtext (RFC 3461 4): printable ASCII except '+' and '=', with any other octet written as
 * {@code +XX} (two upper-case hex digits). ENVID and ORCPT travel in it; reports show the decoded
 * text. With SMTPUTF8 a value may also hold UTF-8 (RFC 6533 3: utf-8-addr-xtext).
 */
public final class Xtext {

    private Xtext() {}

    /** Whether {@code s} is well-formed xtext; non-ASCII allowed only when {@code utf8}. */
    public static boolean isValid(String s, boolean utf8) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '+') {
                if (i + 2 >= s.length() || !isUpperHex(s.charAt(i + 1)) || !isUpperHex(s.charAt(i + 2))) return false;
                i += 2;
            } else if (c >= 0x80 ? !utf8 : c < 33 || c > 126 || c == '=') {
                return false;
            }
        }
        return true;
    }

    /** The text an xtext stands for; octets that are not UTF-8 become U+FFFD. */
    public static String decode(String xtext) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(xtext.length());
        for (int i = 0; i < xtext.length(); i++) {
            char c = xtext.charAt(i);
            if (c == '+' && i + 2 < xtext.length()) {
                out.write(Integer.parseInt(xtext, i + 1, i + 3, 16));
                i += 2;
            } else {
                out.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** A {@code \x{HEX}} EmbeddedUnicodeChar of RFC 6533 3 (1 to 6 hex digits). */
    private static final Pattern EMBEDDED = Pattern.compile("\\\\x\\{([0-9A-Fa-f]{1,6})}");

    /** A utf-8 address with its EmbeddedUnicodeChar escapes turned back into characters (RFC 6533 3). */
    public static String decodeEmbeddedUnicode(String address) {
        return EMBEDDED.matcher(address).replaceAll(m -> {
            int codePoint = Integer.parseInt(m.group(1), 16);
            String c = Character.isValidCodePoint(codePoint) ? Character.toString(codePoint) : "\uFFFD";
            return Matcher.quoteReplacement(c);
        });
    }

    private static boolean isUpperHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
    }
}
