package org.postloom.delivery;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.postloom.delivery.client.LineFolder;
import org.postloom.intake.IntakeException;
import org.postloom.intake.MessageStore;
import org.postloom.mail.Envelope;
import org.postloom.mail.Mailbox;
import org.postloom.spool.SpooledMessage;

/**
 * Tells a sender that some recipients failed for good: a delivery status notification (RFC 3464,
 * multipart/report of RFC 6522) sent from the null sender, so it can never bounce in turn
 * (RFC 5321 4.5.5). It goes into the spool like any message and is delivered like one.
 */
public final class Bouncer {

    private static final System.Logger LOG = System.getLogger("org.postloom.delivery");
    private static final DateTimeFormatter RFC_5322 = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT);
    /** The original headers are returned, but not an unbounded amount of them. */
    private static final int MAX_RETURNED_HEADERS = 64 * 1024;

    /** A recipient that failed, with the reply or reason to report. */
    public record Failure(Mailbox recipient, String status, String diagnostic) {}

    /** Reads a message's stored body (Received header first), to return its headers. */
    public interface BodyReader {
        InputStream open(SpooledMessage message) throws IOException;
    }

    private final MessageStore store;
    private final BodyReader bodies;
    private final String hostname;
    private final Clock clock;
    /** {@code postloom.delivery.bounce-messages}: senders who read events may want none. */
    private final boolean sendsMessages;

    public Bouncer(MessageStore store, BodyReader bodies, String hostname, Clock clock) {
        this(store, bodies, hostname, clock, true);
    }

    private Bouncer(MessageStore store, BodyReader bodies, String hostname, Clock clock, boolean sendsMessages) {
        this.store = store;
        this.bodies = bodies;
        this.hostname = hostname;
        this.clock = clock;
        this.sendsMessages = sendsMessages;
    }

    /** This bouncer, sending RFC 3464 messages or (false) only logging that it did not. */
    public Bouncer withMessages(boolean send) {
        return new Bouncer(store, bodies, hostname, clock, send);
    }

    /** Queues the notification; returns only once it is durable. Nothing is sent for the null sender. */
    public void bounce(SpooledMessage original, List<Failure> failures) throws IntakeException {
        Envelope env = original.envelope();
        if (env.sender().isNull()) {
            LOG.log(System.Logger.Level.INFO, "dsn-skipped id=" + env.queueId() + " reason=null-sender");
            return;
        }
        if (!sendsMessages) {
            LOG.log(System.Logger.Level.INFO, "dsn-skipped id=" + env.queueId() + " reason=bounce-messages-off");
            return;
        }
        Envelope bounce = new Envelope(store.newQueueId(), Mailbox.NULL, List.of(env.sender()), Envelope.BodyType.EIGHT_BIT_MIME,
                env.sender().isInternationalized(), clock.instant(), "bounce of " + env.queueId(), "");
        try (MessageStore.Reception reception = store.receive(bounce)) {
            // RFC 5322 2.1.1: a verbose remote reply or a long returned header line must not make
            // a line over 998 octets; folding keeps all of it.
            LineFolder folded = new LineFolder(reception.body());
            folded.write(report(original, failures, bounce).getBytes(StandardCharsets.UTF_8));
            folded.finish();
            reception.commit();
        } catch (IntakeException e) {
            throw e;
        } catch (IOException e) {
            throw new IntakeException(IntakeException.Kind.FAILED, "cannot write bounce: " + e.getMessage(), e);
        }
        LOG.log(System.Logger.Level.INFO, "dsn-sent id=" + env.queueId() + " to=<" + env.sender() + "> nrcpt=" + failures.size()
                + " dsn=" + bounce.queueId());
    }

    private String report(SpooledMessage original, List<Failure> failures, Envelope bounce) {
        Envelope env = original.envelope();
        String boundary = "=_" + UUID.randomUUID();
        ZonedDateTime now = ZonedDateTime.now(clock);
        StringBuilder m = new StringBuilder();
        m.append("From: Mail Delivery System <MAILER-DAEMON@").append(hostname).append(">\r\n")
                .append("To: <").append(env.sender()).append(">\r\n")
                .append("Subject: Undelivered Mail Returned to Sender\r\n")
                .append("Date: ").append(RFC_5322.format(now)).append("\r\n")
                .append("Message-ID: <").append(bounce.queueId()).append('@').append(hostname).append(">\r\n")
                .append("Auto-Submitted: auto-replied\r\n")     // RFC 3834 5
                .append("MIME-Version: 1.0\r\n")
                .append("Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"").append(boundary).append("\"\r\n")
                .append("\r\n");
        m.append("--").append(boundary).append("\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
                .append("This is the mail system at host ").append(hostname).append(".\r\n\r\n")
                .append("Your message could not be delivered to one or more recipients.\r\n\r\n");
        for (Failure f : failures) {
            m.append("<").append(f.recipient()).append(">: ").append(oneLine(f.diagnostic())).append("\r\n");
        }
        m.append("\r\n--").append(boundary).append("\r\nContent-Type: message/delivery-status\r\n\r\n")
                .append("Reporting-MTA: dns; ").append(hostname).append("\r\n")
                .append("X-Postloom-Queue-ID: ").append(env.queueId()).append("\r\n")
                .append("Arrival-Date: ").append(RFC_5322.format(env.arrival().atZone(clock.getZone()))).append("\r\n");
        for (Failure f : failures) {
            String type = f.recipient().isInternationalized() ? "utf-8" : "rfc822";
            m.append("\r\nFinal-Recipient: ").append(type).append("; ").append(f.recipient()).append("\r\n")
                    .append("Action: failed\r\n")
                    .append("Status: ").append(f.status()).append("\r\n")
                    .append("Diagnostic-Code: smtp; ").append(oneLine(f.diagnostic())).append("\r\n");
        }
        m.append("\r\n--").append(boundary).append("\r\nContent-Type: text/rfc822-headers\r\n\r\n")
                .append(originalHeaders(original))
                .append("\r\n--").append(boundary).append("--\r\n");
        return m.toString();
    }

    /** The header section of the original, up to the blank line; what cannot be read is left out. */
    private String originalHeaders(SpooledMessage original) {
        try (InputStream in = bodies.open(original)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int b;
            int lineLength = 0;
            while ((b = in.read()) != -1 && out.size() < MAX_RETURNED_HEADERS) {
                out.write(b);
                if (b == '\n') {
                    if (lineLength <= 1) break;      // the blank line that ends the headers
                    lineLength = 0;
                } else {
                    lineLength++;
                }
            }
            String headers = out.toString(StandardCharsets.UTF_8);
            return headers.endsWith("\r\n\r\n") ? headers.substring(0, headers.length() - 2) : headers;
        } catch (IOException e) {
            return "";
        }
    }

    private static String oneLine(String s) {
        return s.replaceAll("[\\r\\n]+", " ");
    }

}
