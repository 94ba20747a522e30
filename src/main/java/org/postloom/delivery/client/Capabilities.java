package org.postloom.delivery.client;

import java.util.Locale;
import org.postloom.smtp.Reply;

/**
 * What the server said it supports in its EHLO reply (RFC 5321 4.1.1.1): one keyword per line
 * after the first. Unknown keywords are ignored.
 *
 * @param extended            whether EHLO was accepted (false after falling back to HELO: no
 *                            extensions, no MAIL parameters)
 * @param size                whether SIZE (RFC 1870) was offered, so MAIL may carry SIZE=
 * @param sizeLimit           the SIZE limit in octets; 0 when none was declared (SIZE alone or SIZE 0
 *                            also mean "no fixed limit", 1870 4)
 * @param dsn                 whether DSN (RFC 3461) was offered, so NOTIFY, ORCPT, RET and ENVID travel on
 * @param requireTls          whether REQUIRETLS (RFC 8689) was offered
 */
public record Capabilities(boolean extended, boolean pipelining, boolean size, long sizeLimit, boolean eightBitMime,
                           boolean smtpUtf8, boolean chunking, boolean startTls, boolean enhancedStatusCodes,
                           boolean dsn, boolean requireTls) {

    /** After HELO: plain RFC 821 SMTP. */
    public static final Capabilities NONE = new Capabilities(false, false, false, 0, false, false, false, false, false);

    /** Without DSN and REQUIRETLS. */
    public Capabilities(boolean extended, boolean pipelining, boolean size, long sizeLimit, boolean eightBitMime,
                        boolean smtpUtf8, boolean chunking, boolean startTls, boolean enhancedStatusCodes) {
        this(extended, pipelining, size, sizeLimit, eightBitMime, smtpUtf8, chunking, startTls, enhancedStatusCodes,
                false, false);
    }

    public static Capabilities parse(Reply ehlo) {
        boolean pipelining = false, eightBit = false, utf8 = false, chunking = false, startTls = false, enhanced = false;
        boolean size = false, dsn = false, requireTls = false;
        long sizeLimit = 0;
        for (String line : ehlo.lines().subList(1, ehlo.lines().size())) {
            String[] words = line.strip().split("\\s+");
            switch (words[0].toUpperCase(Locale.ROOT)) {
                case "PIPELINING" -> pipelining = true;
                case "SIZE" -> {
                    size = true;
                    sizeLimit = words.length > 1 ? parseSize(words[1]) : 0;
                }
                case "8BITMIME" -> eightBit = true;
                case "SMTPUTF8" -> utf8 = true;
                case "CHUNKING" -> chunking = true;
                case "STARTTLS" -> startTls = true;
                case "ENHANCEDSTATUSCODES" -> enhanced = true;
                case "DSN" -> dsn = true;
                case "REQUIRETLS" -> requireTls = true;
                default -> { }
            }
        }
        return new Capabilities(true, pipelining, size, sizeLimit, eightBit, utf8, chunking, startTls, enhanced, dsn,
                requireTls);
    }

    /** Whether a message of {@code octets} is over the declared limit. */
    public boolean tooBig(long octets) {
        return sizeLimit > 0 && octets > sizeLimit;
    }

    private static long parseSize(String word) {
        try {
            return Math.max(0, Long.parseLong(word));
        } catch (NumberFormatException e) {
            return 0; // a garbled limit is no limit we can honour; the server still judges MAIL SIZE=
        }
    }
}
