package org.postloom.delivery;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.postloom.mail.Envelope;
import org.postloom.mail.Mailbox;
import org.postloom.mail.RecipientDsn;
import org.postloom.mail.Xtext;

/**
 * The text of one delivery status notification: a multipart/report (RFC 6522) with a human part,
 * the message/delivery-status part of RFC 3464 (fields in the order of its section 2), and the
 * part that returns the original, whose content the caller streams in between {@link #head()}
 * and {@link #tail()}. Pure: no I/O, so every field is testable.
 *
 * <p>A message that came with SMTPUTF8 and non-ASCII addresses gets the internationalized forms of
 * RFC 6533: message/global-delivery-status with {@code utf-8} addresses in UTF-8, and the original
 * returned as message/global or message/global-headers (8bit, RFC 6532 3.5).
 */
final class DsnReport {

    private static final DateTimeFormatter RFC_5322 = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT);

    /** The kinds of report, by the {@code Action} they carry (RFC 3464 2.3.3). */
    enum Kind {
        FAILED("failed", "Undelivered Mail Returned to Sender", "could not be delivered to one or more recipients."),
        DELAYED("delayed", "Delayed Mail (still being retried)",
                "has not been delivered yet to one or more recipients; it is still being retried."),
        RELAYED("relayed", "Successful Mail Delivery Report",
                "was relayed to a system that does not send delivery notifications for the recipients below.");

        final String action;
        final String subject;
        final String sentence;

        Kind(String action, String subject, String sentence) {
            this.action = action;
            this.subject = subject;
            this.sentence = sentence;
        }
    }

    /** What the original part holds: the whole message, its header section, or nothing. */
    enum Returned { FULL, HEADERS, NOTHING }

    /**
     * One recipient in the report.
     *
     * @param remoteMta      the next hop's host name (Remote-MTA), or empty when none was reached
     * @param lastAttempt    when it was last tried (Last-Attempt-Date)
     * @param willRetryUntil for a delay, when the relay gives up (Will-Retry-Until)
     */
    record Line(Mailbox recipient, RecipientDsn dsn, String status, String diagnostic, String remoteMta,
                Instant lastAttempt, Optional<Instant> willRetryUntil) {}

    private final Kind kind;
    private final Envelope original;
    private final List<Line> lines;
    private final String hostname;
    private final String boundary;
    private final String messageId;
    private final Instant now;
    private final ZoneId zone;

    /** The Diagnostic-Code type of a reply that is the relay's own judgement (RFC 3464 2.3.6: an X- name). */
    static final String LOCAL_DIAGNOSTIC = "X-Postloom";

    private final boolean global;

    DsnReport(Kind kind, Envelope original, List<Line> lines, String hostname, String boundary, String messageId,
              Instant now, ZoneId zone) {
        this.global = isGlobal(original);
        this.kind = kind;
        this.original = original;
        this.lines = List.copyOf(lines);
        this.hostname = hostname;
        this.boundary = boundary;
        this.messageId = messageId;
        this.now = now;
        this.zone = zone;
    }

    /** RFC 6533 6: the internationalized report for a message sent with SMTPUTF8 whose addresses need it. */
    static boolean isGlobal(Envelope original) {
        return original.smtpUtf8() && (original.sender().isInternationalized()
                || original.recipients().stream().anyMatch(Mailbox::isInternationalized)
                || original.recipientDsn().stream().anyMatch(d -> d.originalRecipientType().equals("utf-8")));
    }

    /** Everything up to the returned content (which the caller writes next). */
    String head(Returned returned) {
        StringBuilder m = new StringBuilder(2048);
        m.append("From: Mail Delivery System <MAILER-DAEMON@").append(hostname).append(">\r\n")
                .append("To: <").append(original.sender()).append(">\r\n")
                .append("Subject: ").append(kind.subject).append("\r\n")
                .append("Date: ").append(date(now)).append("\r\n")
                .append("Message-ID: <").append(messageId).append('@').append(hostname).append(">\r\n")
                .append("Auto-Submitted: auto-replied\r\n")     // RFC 3834 5
                .append("MIME-Version: 1.0\r\n")
                .append("Content-Type: multipart/report; report-type=").append(global ? "global-" : "")
                .append("delivery-status;\r\n\tboundary=\"")
                .append(boundary).append("\"\r\n\r\n");
        String eightBit = global ? "Content-Transfer-Encoding: 8bit\r\n" : "";
        m.append("--").append(boundary).append("\r\nContent-Type: text/plain; charset=utf-8\r\n").append(eightBit).append("\r\n")
                .append("This is the mail system at host ").append(hostname).append(".\r\n\r\n")
                .append("Your message ").append(kind.sentence).append("\r\n\r\n");
        for (Line line : lines) {
            m.append("<").append(line.recipient()).append(">: ").append(oneLine(line.diagnostic())).append("\r\n");
        }
        m.append("\r\n--").append(boundary).append("\r\nContent-Type: message/").append(global ? "global-" : "")
                .append("delivery-status\r\n").append(eightBit).append("\r\n");
        appendStatus(m);
        m.append("\r\n--").append(boundary).append("\r\n");
        switch (returned) {
            case FULL -> m.append("Content-Type: message/").append(global ? "global" : "rfc822")
                    .append("\r\nContent-Transfer-Encoding: 8bit\r\n\r\n");
            case HEADERS -> m.append(global ? "Content-Type: message/global-headers\r\n" + eightBit
                    : "Content-Type: text/rfc822-headers\r\n").append("\r\n");
            case NOTHING -> m.append("Content-Type: text/plain; charset=us-ascii\r\n\r\n")
                    .append("The message was sent with REQUIRETLS (RFC 8689): none of it is returned here.\r\n");
        }
        return m.toString();
    }

    /** After the returned content: the closing boundary. */
    String tail() {
        return "\r\n--" + boundary + "--\r\n";
    }

    /** The message/delivery-status body: per-message fields, then a block per recipient (RFC 3464 2.2, 2.3). */
    private void appendStatus(StringBuilder m) {
        if (!original.dsn().envelopeId().isEmpty()) {
            m.append("Original-Envelope-Id: ").append(oneLine(original.dsn().decodedEnvelopeId())).append("\r\n");
        }
        m.append("Reporting-MTA: dns; ").append(hostname).append("\r\n")
                .append("X-Postloom-Queue-ID: ").append(original.queueId()).append("\r\n")
                .append("Arrival-Date: ").append(date(original.arrival())).append("\r\n");
        for (Line line : lines) {
            m.append("\r\n");
            RecipientDsn dsn = line.dsn();
            if (!dsn.originalRecipient().isEmpty()) {
                m.append("Original-Recipient: ").append(dsn.originalRecipientType()).append("; ")
                        .append(oneLine(originalRecipient(dsn))).append("\r\n");
            }
            String type = line.recipient().isInternationalized() ? "utf-8" : "rfc822";   // RFC 6533 3
            m.append("Final-Recipient: ").append(type).append("; ").append(line.recipient()).append("\r\n")
                    .append("Action: ").append(kind.action).append("\r\n")
                    .append("Status: ").append(line.status()).append("\r\n");
            // RFC 3464 2.3.5-2.3.6: the smtp type and Remote-MTA only for what a next hop said;
            // the relay's own judgement (no MX, expired, TLS policy, suppressed) names no host.
            if (line.remoteMta().isEmpty()) {
                m.append("Diagnostic-Code: ").append(LOCAL_DIAGNOSTIC).append("; ");
            } else {
                m.append("Remote-MTA: dns; ").append(line.remoteMta()).append("\r\nDiagnostic-Code: smtp; ");
            }
            m.append(oneLine(line.diagnostic())).append("\r\n")
                    .append("Last-Attempt-Date: ").append(date(line.lastAttempt())).append("\r\n");
            line.willRetryUntil().ifPresent(until -> m.append("Will-Retry-Until: ").append(date(until)).append("\r\n"));
        }
    }

    /**
     * ORCPT as Original-Recipient shows it: xtext decoded; a {@code utf-8} address in a global
     * report also has its {@code \\x{HEX}} escapes undone (RFC 6533 3: utf-8-addr-xtext to UTF-8).
     */
    private String originalRecipient(RecipientDsn dsn) {
        String decoded = dsn.decodedOriginalRecipient();
        return global && dsn.originalRecipientType().equals("utf-8") ? Xtext.decodeEmbeddedUnicode(decoded) : decoded;
    }

    private String date(Instant instant) {
        return RFC_5322.format(instant.atZone(zone));
    }

    /** A reply or client-given text on one header line: CR and LF would start a field of their own. */
    static String oneLine(String s) {
        return s.replaceAll("[\\r\\n]+", " ");
    }
}
