package org.postloom.inject;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The raw form, rendered: a whole RFC 5322 message. Line ends become CRLF (RFC 5322 2.1: JSON
 * clients write \n); the header section is checked to be fields; Date and Message-ID go in front
 * when absent (RFC 5322 3.6 requires the one and asks for the other); From must be there.
 */
final class RawMessage {

    /** RFC 5322 2.2: field-name ":" — printable ASCII except the colon, then the colon. */
    private static final Pattern FIELD_START = Pattern.compile("[!-9;-~]+[ \\t]*:.*", Pattern.DOTALL);

    private RawMessage() {}

    /** The message's octets, ready to store; a 400 naming the line that is not a header field. */
    static byte[] prepare(String rendered, String recipientField, String messageId, String date) throws Refusal {
        String message = crlf(rendered);
        int end = message.indexOf("\r\n\r\n");
        String header = end < 0 ? message : message.substring(0, end + 2);
        boolean from = false, hasDate = false, hasId = false;
        String[] lines = header.split("\r\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.startsWith(" ") || line.startsWith("\t")) {
                if (i == 0) throw Refusal.badRequest("content: for " + recipientField + ", the first line is a continuation, not a header field");
                continue;
            }
            if (!FIELD_START.matcher(line).matches()) {
                throw Refusal.badRequest("content: for " + recipientField + ", header line " + (i + 1)
                        + " is not a field (name: value): \"" + Addresses.printable(line) + "\"");
            }
            String name = line.substring(0, line.indexOf(':')).strip().toLowerCase(Locale.ROOT);
            from |= name.equals("from");
            hasDate |= name.equals("date");
            hasId |= name.equals("message-id");
        }
        if (!from) throw Refusal.badRequest("content: the message has no From header field (RFC 5322 3.6)");
        var out = new ByteArrayOutputStream(message.length() + 128);
        if (!hasDate) out.writeBytes(("Date: " + date + "\r\n").getBytes(StandardCharsets.US_ASCII));
        if (!hasId) out.writeBytes(("Message-ID: " + messageId + "\r\n").getBytes(StandardCharsets.US_ASCII));
        if (!message.endsWith("\r\n")) message += "\r\n"; // SMTP sends the last line whole
        if (end < 0) message += "\r\n"; // a header section alone still ends with the empty line
        out.writeBytes(message.getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    /** Every line end as CRLF: a lone LF or a lone CR becomes CRLF. */
    static String crlf(String s) {
        StringBuilder b = new StringBuilder(s.length() + s.length() / 40);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\r') {
                b.append("\r\n");
                if (i + 1 < s.length() && s.charAt(i + 1) == '\n') i++;
            } else if (c == '\n') {
                b.append("\r\n");
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
