package org.postloom.delivery;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * RFC 8689 5: a {@code TLS-Required: No} header field asks that the message be delivered even
 * where a TLS policy (here {@code require-verified-tls}; MTA-STS and DANE later) would hold it
 * back. Read from the stored message's header section only when such a policy applies.
 */
final class TlsRequiredHeader {

    /** Header sections longer than this are not searched further. */
    private static final int MAX_HEADER_BYTES = 256 * 1024;

    private TlsRequiredHeader() {}

    /** Whether the header section of {@code message} holds {@code TLS-Required: No}. */
    static boolean saysNo(InputStream message) throws IOException {
        ByteArrayOutputStream field = new ByteArrayOutputStream();
        int b;
        int read = 0;
        int previous = '\n';
        while ((b = message.read()) != -1 && read++ < MAX_HEADER_BYTES) {
            if (previous == '\n' && b != ' ' && b != '\t') {
                // A new field starts (or the blank line that ends the section): judge the last one.
                if (isNo(field.toString(StandardCharsets.ISO_8859_1))) return true;
                field.reset();
                if (b == '\r' || b == '\n') return false;
            }
            if (b != '\r' && b != '\n') field.write(b);
            previous = b;
        }
        return isNo(field.toString(StandardCharsets.ISO_8859_1));
    }

    private static boolean isNo(String field) {
        int colon = field.indexOf(':');
        return colon > 0 && field.substring(0, colon).strip().equalsIgnoreCase("TLS-Required")
                && field.substring(colon + 1).strip().toLowerCase(Locale.ROOT).equals("no");
    }
}
