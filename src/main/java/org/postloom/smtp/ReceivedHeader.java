package org.postloom.smtp;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The trace header a relay prepends to each message it accepts (RFC 5321 4.4), with the
 * protocol names of RFC 3848 and RFC 6531 and the TLS details that operators look for.
 */
final class ReceivedHeader {

    private static final DateTimeFormatter RFC_5322_DATE =
            DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT);

    private ReceivedHeader() {}

    static String format(String helo, String clientIp, String hostname, String protocol, String queueId,
                         String tls, String singleRecipient, ZonedDateTime when) {
        StringBuilder h = new StringBuilder("Received: from ")
                .append(PathArgument.printable(helo)).append(" ([").append(clientIp).append("])\r\n")
                .append("\tby ").append(hostname).append(" (Postloom) with ").append(protocol)
                .append(" id ").append(queueId);
        if (!tls.isEmpty()) h.append("\r\n\t(").append(tls).append(')');
        if (singleRecipient != null) h.append("\r\n\tfor <").append(singleRecipient).append('>');
        return h.append(";\r\n\t").append(RFC_5322_DATE.format(when)).append("\r\n").toString();
    }

    /** RFC 3848 and RFC 6531 4.3 "with" protocol names: ESMTP, ESMTPS, ESMTPA, ESMTPSA, UTF8SMTPSA... */
    static String protocol(boolean extended, boolean tls, boolean authenticated, boolean utf8) {
        if (!extended) return "SMTP";
        return (utf8 ? "UTF8SMTP" : "ESMTP") + (tls ? "S" : "") + (authenticated ? "A" : "");
    }
}
