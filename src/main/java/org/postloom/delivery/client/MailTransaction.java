package org.postloom.delivery.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Optional;
import org.postloom.delivery.client.Outcome.Scope;
import org.postloom.mail.DsnRequest;
import org.postloom.mail.Envelope;
import org.postloom.mail.RecipientDsn;
import org.postloom.smtp.Reply;

/**
 * One mail transaction on an open connection (RFC 5321 3.3): MAIL, one RCPT per recipient, then
 * DATA or BDAT, with one {@link Outcome} per recipient. Used once.
 *
 * <p>With PIPELINING (RFC 2920) MAIL, every RCPT and DATA leave in one write and the replies are
 * read in order. As 2920 3.1 requires, every reply is checked: when every RCPT failed the server
 * should refuse DATA (503/554); if it accepts it anyway, a lone dot ends the empty data. BDAT is not
 * put in the group, so that no data is sent before a recipient is accepted.
 */
final class MailTransaction {

    private final Wire wire;
    private final Capabilities capabilities;
    private final ClientSettings settings;
    private final Envelope envelope;
    private final List<Integer> recipients;
    private final MessageBody body;
    /** Why this connection may not carry a REQUIRETLS message, or empty if it may. */
    private final Optional<String> requireTlsUnmet;
    private final Outcome[] results;
    /** What we were waiting for, for the text of a local reply. */
    private String stage = "before MAIL FROM";
    private boolean needsReset;
    private boolean connectionLost;

    /** The spool could not give us the body; the data already sent cannot be ended honestly. */
    private static final class BodyUnreadable extends Exception {
        BodyUnreadable(IOException cause) {
            super(cause);
        }
    }

    MailTransaction(Wire wire, Capabilities capabilities, ClientSettings settings, Envelope envelope,
                    List<Integer> recipients, MessageBody body, Optional<String> requireTlsUnmet) {
        this.requireTlsUnmet = requireTlsUnmet;
        this.wire = wire;
        this.capabilities = capabilities;
        this.settings = settings;
        this.envelope = envelope;
        this.recipients = List.copyOf(recipients);
        this.body = body;
        this.results = new Outcome[this.recipients.size()];
    }

    /** Whether the server may still hold a transaction open (RSET before the next one). */
    boolean needsReset() {
        return needsReset;
    }

    /** Whether the connection is no longer usable: dropped, timed out, 421, or abandoned mid-data. */
    boolean connectionLost() {
        return connectionLost;
    }

    List<Outcome> run() {
        if (envelope.requireTls() && requireTlsUnmet.isPresent()) {
            fillRemaining(ReplyClassifier.requireTlsUnmet(requireTlsUnmet.get()));
        } else if (envelope.smtpUtf8() && !capabilities.smtpUtf8()) {
            fillRemaining(ReplyClassifier.needsSmtpUtf8());
        } else if (capabilities.tooBig(body.size())) {
            fillRemaining(ReplyClassifier.tooBig(body.size(), capabilities.sizeLimit()));
        } else {
            try {
                converse();
            } catch (IOException e) {
                connectionLost = true;
                fillRemaining(ReplyClassifier.connectionFailed(e, stage));
            } catch (BodyUnreadable e) {
                connectionLost = true;
                fillRemaining(ReplyClassifier.bodyUnreadable((IOException) e.getCause()));
            }
        }
        return List.of(results);
    }

    private void converse() throws IOException, BodyUnreadable {
        boolean pipelined = capabilities.pipelining();
        boolean chunked = settings.chunking() && capabilities.chunking();
        var timeouts = settings.timeouts();
        wire.command(mailCommand());
        if (pipelined) {
            for (int index : recipients) wire.command(rcptCommand(index));
            if (!chunked) wire.command("DATA");
        }
        stage = "after MAIL FROM";
        Reply mail = wire.read(timeouts.mail());
        if (!isSuccess(mail)) {
            fillRemaining(ReplyClassifier.refused(mail, Scope.MESSAGE));
            if (closes(mail)) return;
            if (pipelined) drainGroup(chunked);
            return;
        }
        needsReset = true; // a transaction is open until the data ends well
        boolean anyAccepted = false;
        for (int k = 0; k < recipients.size(); k++) {
            if (!pipelined) wire.command(rcptCommand(recipients.get(k)));
            stage = "after RCPT TO";
            Reply rcpt = wire.read(timeouts.rcpt());
            if (isSuccess(rcpt)) {
                anyAccepted = true;
                continue;
            }
            results[k] = ReplyClassifier.refused(rcpt, Scope.RECIPIENT);
            if (closes(rcpt)) {
                fillRemaining(results[k]);
                return;
            }
        }
        if (!anyAccepted && (chunked || !pipelined)) return;
        Reply end = chunked ? sendChunk(timeouts) : sendData(timeouts, !anyAccepted);
        if (end == null) return;
        fillRemaining(ReplyClassifier.afterData(end, capabilities.dsn()));
        needsReset = !isSuccess(end);
        closes(end);
    }

    /** DATA (pipelined already, or now), the body, the final dot; null if DATA was refused. */
    private Reply sendData(ClientTimeouts timeouts, boolean noRecipients) throws IOException, BodyUnreadable {
        if (!capabilities.pipelining()) wire.command("DATA");
        stage = "after DATA";
        Reply go = wire.read(timeouts.dataInit());
        if (go.code() != 354) {
            fillRemaining(ReplyClassifier.refused(go, Scope.MESSAGE));
            closes(go);
            return null;
        }
        if (noRecipients) {
            // RFC 2920 3.1: DATA accepted although no RCPT was: a single dot, and nothing is sent.
            wire.command(".");
            stage = "after an empty DATA";
            Reply ignored = wire.read(timeouts.finalDot());
            closes(ignored);
            return null;
        }
        stage = "while sending message data";
        OutputStream raw = wire.data(timeouts.dataBlock());
        DotStuffer dots = new DotStuffer(raw);
        LineFolder lines = new LineFolder(dots);
        copyBody(lines);
        lines.finish();
        dots.finish();
        stage = "after the end of data (the message may have been delivered)";
        return wire.read(timeouts.finalDot());
    }

    /**
     * RFC 3030: one BDAT chunk of the exact size, marked LAST. The size after line folding is found
     * by a first pass over the body (read twice, never held in memory), which spares the
     * round trip per chunk that several smaller chunks would cost without pipelining.
     */
    private Reply sendChunk(ClientTimeouts timeouts) throws IOException, BodyUnreadable {
        Counter measure = new Counter(OutputStream.nullOutputStream());
        LineFolder measured = new LineFolder(measure);
        copyBody(measured);
        measured.finish();
        wire.command("BDAT " + measure.count + " LAST");
        stage = "while sending message data";
        Counter sent = new Counter(wire.data(timeouts.dataBlock()));
        LineFolder lines = new LineFolder(sent);
        copyBody(lines);
        lines.finish();
        if (sent.count != measure.count) {
            // The chunk's size is wrong now: the server would read our next command as data.
            throw new BodyUnreadable(new IOException("the body changed between two reads"));
        }
        stage = "after BDAT LAST (the message may have been delivered)";
        return wire.read(timeouts.finalDot());
    }

    /** After a refused MAIL in a pipelined group: read (and ignore) the rest of the group's replies. */
    private void drainGroup(boolean chunked) throws IOException {
        var timeouts = settings.timeouts();
        for (int ignored : recipients) {
            if (closes(wire.read(timeouts.rcpt()))) return;
        }
        if (chunked) return;
        Reply data = wire.read(timeouts.dataInit());
        if (data.code() == 354) {
            wire.command(".");
            closes(wire.read(timeouts.finalDot()));
        }
    }

    private void copyBody(OutputStream target) throws IOException, BodyUnreadable {
        byte[] buffer = new byte[16384];
        InputStream in;
        try {
            in = body.open();
        } catch (IOException e) {
            throw new BodyUnreadable(e);
        }
        try (in) {
            while (true) {
                int n;
                try {
                    n = in.read(buffer);
                } catch (IOException e) {
                    throw new BodyUnreadable(e);
                }
                if (n < 0) return;
                target.write(buffer, 0, n);
            }
        }
    }

    private String mailCommand() {
        StringBuilder command = new StringBuilder("MAIL FROM:<").append(envelope.sender()).append('>');
        if (capabilities.size()) command.append(" SIZE=").append(body.size());
        // RFC 6152: without 8BITMIME at the server the content goes as it is, without BODY=, as
        // Postfix does with 8BITMIME conversion off; most servers take 8-bit data regardless.
        if (envelope.body() == Envelope.BodyType.EIGHT_BIT_MIME && capabilities.eightBitMime()) {
            command.append(" BODY=8BITMIME");
        }
        if (envelope.smtpUtf8()) command.append(" SMTPUTF8");
        // RFC 3461 5.2.1: the parameters travel on as received, xtext and all.
        if (capabilities.dsn() && envelope.dsn().ret() != DsnRequest.Return.UNSPECIFIED) {
            command.append(" RET=").append(envelope.dsn().ret());
        }
        if (capabilities.dsn() && !envelope.dsn().envelopeId().isEmpty()) {
            command.append(" ENVID=").append(envelope.dsn().envelopeId());
        }
        if (envelope.requireTls()) command.append(" REQUIRETLS"); // RFC 8689 4.2.1
        return command.toString();
    }

    private String rcptCommand(int index) {
        StringBuilder command = new StringBuilder("RCPT TO:<").append(envelope.recipients().get(index)).append('>');
        RecipientDsn dsn = envelope.dsnOf(index);
        if (capabilities.dsn() && !dsn.notifications().isEmpty()) command.append(" NOTIFY=").append(dsn.notifyValue());
        if (capabilities.dsn() && !dsn.originalRecipient().isEmpty()) {
            command.append(" ORCPT=").append(dsn.originalRecipient());
        }
        return command.toString();
    }

    private static boolean isSuccess(Reply reply) {
        return reply.code() / 100 == 2;
    }

    /** A 421 means the server is closing (RFC 5321 3.8): nothing more can happen here. */
    private boolean closes(Reply reply) {
        if (reply.code() == 421) {
            connectionLost = true;
            needsReset = false;
        }
        return connectionLost;
    }

    private void fillRemaining(Outcome outcome) {
        for (int k = 0; k < results.length; k++) {
            if (results[k] == null) results[k] = outcome;
        }
    }

    /** Counts what passes. */
    private static final class Counter extends java.io.FilterOutputStream {
        long count;

        Counter(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
