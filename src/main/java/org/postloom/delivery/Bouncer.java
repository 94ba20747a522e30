package org.postloom.delivery;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.postloom.delivery.DsnReport.Kind;
import org.postloom.delivery.DsnReport.Returned;
import org.postloom.delivery.client.LineFolder;
import org.postloom.mail.DsnRequest;
import org.postloom.mail.Envelope;
import org.postloom.mail.Mailbox;
import org.postloom.mail.RecipientDsn;
import org.postloom.intake.IntakeException;
import org.postloom.intake.MessageStore;
import org.postloom.spool.SpooledMessage;

/**
 * Tells a sender what became of recipients: a delivery status notification (RFC 3464, in the
 * multipart/report of RFC 6522) from the null sender, so it can never bounce in turn (RFC 5321
 * 4.5.5). One report lists every recipient of its kind that it is given; recipients whose NOTIFY
 * does not ask for that kind are left out (RFC 3461 4.1), and nothing is sent to the null sender.
 * It goes into the spool like any message and is delivered like one.
 */
public final class Bouncer {

    private static final System.Logger LOG = System.getLogger("org.postloom.delivery");
    /** The original headers are returned, but not an unbounded amount of them. */
    private static final int MAX_RETURNED_HEADERS = 64 * 1024;
    /** Room for the report's own parts besides a message returned whole. */
    private static final long REPORT_OVERHEAD = 16 * 1024;

    /**
     * One recipient to report on.
     *
     * @param recipient      index into the original envelope's recipients
     * @param remoteMta      the next hop whose reply {@code diagnostic} is; empty when the failure is
     *                       the relay's own judgement (no MX, expired, TLS policy): then the report
     *                       names no Remote-MTA and types the diagnostic {@code X-Postloom}
     * @param willRetryUntil for a delay, when the relay gives up
     * @param lastAttempt    when it was last tried; empty: now
     */
    public record Notice(int recipient, String status, String diagnostic, String remoteMta,
                         Optional<Instant> willRetryUntil, Optional<Instant> lastAttempt) {
        public Notice(int recipient, String status, String diagnostic, String remoteMta,
                      Optional<Instant> willRetryUntil) {
            this(recipient, status, diagnostic, remoteMta, willRetryUntil, Optional.empty());
        }

        public Notice(int recipient, String status, String diagnostic, String remoteMta) {
            this(recipient, status, diagnostic, remoteMta, Optional.empty());
        }

        /** This notice for a delay report, giving up at {@code until}. */
        Notice until(Instant until) {
            return new Notice(recipient, status, diagnostic, remoteMta, Optional.of(until), lastAttempt);
        }
    }

    /** Reads a message's stored body (Received header first), to return it or its headers. */
    public interface BodyReader {
        InputStream open(SpooledMessage message) throws IOException;
    }

    private final MessageStore store;
    private final BodyReader bodies;
    private final String hostname;
    private final Clock clock;
    private final long reportSizeLimit;
    /** {@code postloom.delivery.bounce-messages}: senders who read events may want none. */
    private final boolean sendsMessages;

    /**
     * @param reportSizeLimit the largest report: RET=FULL returns the whole message only if the
     *                        report stays within it ({@code postloom.limits.message-size}), else the headers
     */
    public Bouncer(MessageStore store, BodyReader bodies, String hostname, Clock clock, long reportSizeLimit) {
        this(store, bodies, hostname, clock, reportSizeLimit, true);
    }

    private Bouncer(MessageStore store, BodyReader bodies, String hostname, Clock clock, long reportSizeLimit,
                    boolean sendsMessages) {
        this.store = store;
        this.bodies = bodies;
        this.hostname = hostname;
        this.clock = clock;
        this.reportSizeLimit = reportSizeLimit;
        this.sendsMessages = sendsMessages;
    }

    /** This bouncer, sending RFC 3464 reports or (false) only logging that it did not. */
    public Bouncer withMessages(boolean send) {
        return new Bouncer(store, bodies, hostname, clock, reportSizeLimit, send);
    }

    public Bouncer(MessageStore store, BodyReader bodies, String hostname, Clock clock) {
        this(store, bodies, hostname, clock, 10L * 1024 * 1024);
    }

    public void failed(SpooledMessage original, List<Notice> notices) throws IntakeException {
        report(original, Kind.FAILED, notices);
    }

    public void delayed(SpooledMessage original, List<Notice> notices) throws IntakeException {
        report(original, Kind.DELAYED, notices);
    }

    public void relayed(SpooledMessage original, List<Notice> notices) throws IntakeException {
        report(original, Kind.RELAYED, notices);
    }

    /** Whether the recipient's NOTIFY asks for this kind of report (RFC 3461 4.1; none = FAILURE,DELAY). */
    static boolean wanted(RecipientDsn dsn, Kind kind) {
        return switch (kind) {
            case FAILED -> dsn.wantsFailure();
            case DELAYED -> dsn.wantsDelay();
            case RELAYED -> dsn.wantsSuccess();
        };
    }

    private void report(SpooledMessage original, Kind kind, List<Notice> notices) throws IntakeException {
        Envelope env = original.envelope();
        List<Notice> wanted = notices.stream().filter(n -> wanted(env.dsnOf(n.recipient()), kind)).toList();
        if (wanted.isEmpty()) return;
        if (env.sender().isNull()) {
            MessageLog.dsnSkipped(env.queueId(), "null-sender");
            return;
        }
        if (!sendsMessages) {
            MessageLog.dsnSkipped(env.queueId(), "bounce-messages-off");
            return;
        }
        Instant now = clock.instant();
        Envelope report = new Envelope(store.newQueueId(), Mailbox.NULL, List.of(env.sender()), Envelope.BodyType.EIGHT_BIT_MIME,
                env.sender().isInternationalized(), now, "report on " + env.queueId(), "");
        List<DsnReport.Line> lines = wanted.stream().map(n -> new DsnReport.Line(env.recipients().get(n.recipient()),
                env.dsnOf(n.recipient()), n.status(), n.diagnostic(), n.remoteMta(), n.lastAttempt().orElse(now),
                n.willRetryUntil())).toList();
        DsnReport text = new DsnReport(kind, env, lines, hostname, "=_" + UUID.randomUUID(), report.queueId().value(),
                now, clock.getZone());
        Returned returned = returned(original, kind);
        try (MessageStore.Reception reception = store.receive(report)) {
            // RFC 5322 2.1.1: a verbose remote reply or a long returned header line must not make
            // a line over 998 octets; folding keeps all of it.
            LineFolder folded = new LineFolder(reception.body());
            folded.write(text.head(returned).getBytes(StandardCharsets.UTF_8));
            writeReturned(original, returned, folded);
            folded.write(text.tail().getBytes(StandardCharsets.UTF_8));
            folded.finish();
            reception.commit();
        } catch (IntakeException e) {
            throw e;
        } catch (IOException e) {
            throw new IntakeException(IntakeException.Kind.FAILED, "cannot write report: " + e.getMessage(), e);
        }
        MessageLog.dsnSent(env.queueId(), env.sender(), kind.action, wanted.size(), report.queueId());
    }

    /**
     * RET=FULL returns the message on failure if it fits (RFC 3461 4.3); otherwise, and for delay
     * and relay reports, the headers. A REQUIRETLS message returns nothing: the report may travel
     * in clear text, and the sender asked that the content never does (RFC 8689 4.3).
     */
    private Returned returned(SpooledMessage original, Kind kind) {
        Envelope env = original.envelope();
        if (env.requireTls()) return Returned.NOTHING;
        boolean full = kind == Kind.FAILED && env.dsn().ret() == DsnRequest.Return.FULL
                && original.bodySize() + REPORT_OVERHEAD <= reportSizeLimit;
        return full ? Returned.FULL : Returned.HEADERS;
    }

    /** The original, whole or its header section; what cannot be read is left out. */
    private void writeReturned(SpooledMessage original, Returned returned, OutputStream out) throws IOException {
        if (returned == Returned.NOTHING) return;
        InputStream in;
        try {
            in = new BufferedInputStream(bodies.open(original)); // the header scan reads a byte at a time
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "dsn: cannot read " + original.queueId() + ": " + e.getMessage());
            return;
        }
        try (in) {
            if (returned == Returned.FULL) {
                in.transferTo(out);
            } else {
                out.write(headerSection(in));
            }
        }
    }

    /** The header section, up to the blank line (not included), at most 64 KiB. */
    private static byte[] headerSection(InputStream in) throws IOException {
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
        String headers = out.toString(StandardCharsets.ISO_8859_1);
        int length = headers.endsWith("\r\n\r\n") ? out.size() - 2 : out.size();
        return Arrays.copyOf(out.toByteArray(), length);
    }
}
