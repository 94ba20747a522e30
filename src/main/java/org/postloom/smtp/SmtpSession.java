package org.postloom.smtp;

import java.net.InetAddress;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.postloom.mail.DsnRequest;
import org.postloom.mail.Envelope;
import org.postloom.mail.Envelope.BodyType;
import org.postloom.mail.Mailbox;
import org.postloom.mail.QueueId;
import org.postloom.mail.RecipientDsn;

/**
 * The server side of one SMTP conversation (RFC 5321) as a state machine over command lines.
 * It knows nothing of sockets: the connection feeds it lines and body outcomes, and carries out
 * the {@link Step} it returns. That makes every rule testable line by line.
 */
public final class SmtpSession {

    /** Where the conversation stands: explicit phases rather than a bag of flags. */
    private sealed interface Phase {}

    private record Connected() implements Phase {}

    private record Greeted(String helo, boolean extended) implements Phase {}

    /** AUTH began; the next line is the client's SASL response, not a command (RFC 4954 4). */
    private record Authenticating(Greeted greeted, String mechanism, String user) implements Phase {}

    /** MAIL was accepted; {@code chunked} once a BDAT chunk has been stored. */
    private record Transaction(Greeted greeted, QueueId id, Mailbox sender, BodyType body, boolean smtpUtf8,
                               ZonedDateTime arrival, List<Mailbox> recipients, boolean chunked,
                               long octets, DsnRequest dsn, List<RecipientDsn> recipientDsn,
                               boolean requireTls) implements Phase {
        Transaction with(List<Mailbox> rcpts, boolean chunked, long octets) {
            return new Transaction(greeted, id, sender, body, smtpUtf8, arrival, rcpts, chunked, octets, dsn,
                    recipientDsn, requireTls);
        }

        Transaction adding(Mailbox rcpt, RecipientDsn rcptDsn) {
            return new Transaction(greeted, id, sender, body, smtpUtf8, arrival, append(recipients, rcpt), false, 0, dsn,
                    append(recipientDsn, rcptDsn), requireTls);
        }

        private static <T> List<T> append(List<T> list, T item) {
            var longer = new ArrayList<T>(list.size() + 1);
            longer.addAll(list);
            longer.add(item);
            return Collections.unmodifiableList(longer);
        }
    }

    private final SessionSettings settings;
    private final InetAddress clientAddress;
    private final boolean trustedNetwork;
    /** The user who authenticated (RFC 4954), or null. Survives RSET and EHLO; not STARTTLS. */
    private String user;
    private final Clock clock;
    private final Admission admission;
    private Phase phase = new Connected();
    /** The TLS in use ({@link #tlsStarted}), or empty in clear text. */
    private String tls = "";
    private int errors;

    public SmtpSession(SessionSettings settings, InetAddress clientAddress, Clock clock, Admission admission) {
        this.settings = settings;
        this.clientAddress = clientAddress;
        this.trustedNetwork = settings.relay().isTrusted(clientAddress);
        this.clock = clock;
        this.admission = admission;
    }

    /** RFC 5321 4.2: the opening line. The greeting carries no enhanced status code (RFC 2034 3). */
    public Reply greeting() {
        return new Reply(220, "", List.of(settings.hostname() + " ESMTP"));
    }

    /** One command line, without its CRLF. */
    public Step handle(String line) {
        if (phase instanceof Authenticating a) return countErrors(saslResponse(a, line));
        int space = line.indexOf(' ');
        String word = space < 0 ? line : line.substring(0, space);
        String argument = space < 0 ? "" : line.substring(space + 1);
        Step step = Verb.parse(word)
                .map(verb -> dispatch(verb, argument))
                .orElseGet(() -> new Step.Continue(Reply.of(500, "5.5.2", "Command unrecognized")));
        return countErrors(step);
    }

    /** The command line was longer than the hard limit; its bytes were skipped. */
    public Step lineTooLong() {
        return countErrors(new Step.Continue(Reply.of(500, "5.5.2", "Line too long")));
    }

    /**
     * A command line held a bare CR or LF, or bytes that are not UTF-8. Any transaction is
     * abandoned: it is how SMTP smuggling starts (RFC 5321 2.3.8).
     */
    public Step malformedLine(String why) {
        resetTransaction();
        return countErrors(new Step.Continue(Reply.of(500, "5.5.2", why)));
    }

    /** The client said nothing, or too little, for too long (RFC 5321 4.5.3.2). */
    public Step.Close timedOut() {
        return new Step.Close(Reply.of(421, "4.4.2", settings.hostname() + " Error: timeout exceeded"));
    }

    /** The relay is stopping and will not take this client's next transaction. */
    public Step.Close shuttingDown() {
        return new Step.Close(Reply.of(421, "4.3.2", settings.hostname() + " Service shutting down"));
    }

    /** The TLS handshake after STARTTLS succeeded: forget everything said before (RFC 3207 4.2). */
    public void tlsStarted(String description) {
        tls = description;
        phase = new Connected();
        user = null;
    }

    public boolean isSecure() {
        return !tls.isEmpty();
    }

    /** Whether MAIL has been accepted and the transaction has not ended yet. */
    public boolean inTransaction() {
        return phase instanceof Transaction;
    }

    /** Whether a BDAT transfer is under way, so the connection keeps its storage open. */
    public boolean inChunkedTransfer() {
        return phase instanceof Transaction t && t.chunked();
    }

    /** The body of DATA, or a BDAT chunk, was read; {@code octets} is the size of that chunk. */
    public Step bodyEnded(BodyOutcome outcome, long octets) {
        if (!(phase instanceof Transaction t)) throw new IllegalStateException("no transaction");
        Reply reply = switch (outcome) {
            case STORED -> Reply.of(250, "2.0.0", "Ok: queued as " + t.id());
            case CHUNK_STORED -> Reply.of(250, "2.0.0", octets + " octets received");
            case TOO_BIG -> Reply.of(552, "5.3.4", "Message size exceeds fixed limit");
            case BARE_CR_OR_LF -> Reply.of(554, "5.5.2", "Bare CR or LF in message data (see RFC 5321 2.3.8)");
            case LINE_TOO_LONG -> Reply.of(554, "5.5.2", "Line too long in message data");
            case STORAGE_FULL -> Reply.of(452, "4.3.1", "Insufficient system storage");
            case STORAGE_FAILED -> Reply.of(451, "4.3.0", "Local error in processing");
        };
        phase = outcome == BodyOutcome.CHUNK_STORED
                ? t.with(t.recipients(), true, t.octets() + octets)
                : t.greeted();
        return new Step.Continue(reply);
    }

    private Step dispatch(Verb verb, String argument) {
        return switch (verb) {
            case EHLO -> hello(argument, true);
            case HELO -> hello(argument, false);
            case MAIL -> mail(argument);
            case RCPT -> rcpt(argument);
            case DATA -> data(argument);
            case BDAT -> bdat(argument);
            case RSET -> rset(argument);
            case NOOP -> ok("2.0.0", "Ok");
            case QUIT -> new Step.Close(Reply.of(221, "2.0.0", "Bye"));
            case VRFY -> reply(252, "2.0.0", "Cannot VRFY user, but will accept message and attempt delivery");
            case EXPN -> reply(502, "5.5.1", "EXPN not available");
            case HELP -> reply(214, "2.0.0", "See RFC 5321; commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY STARTTLS");
            case STARTTLS -> startTls(argument);
            case AUTH -> auth(argument);
        };
    }

    private Step hello(String argument, boolean extended) {
        String helo = argument.strip();
        if (helo.isEmpty() || helo.contains(" ")) {
            return reply(501, "5.5.4", "Syntax: " + (extended ? "EHLO" : "HELO") + " hostname");
        }
        phase = new Greeted(helo, extended);
        if (!extended) return new Step.Continue(new Reply(250, "", List.of(settings.hostname())));
        List<String> lines = new ArrayList<>(List.of(
                settings.hostname() + " greets " + PathArgument.printable(helo),
                "PIPELINING",
                "SIZE " + settings.sizeLimit(),
                "8BITMIME",
                "ENHANCEDSTATUSCODES",
                "SMTPUTF8",
                "DSN"));                   // RFC 3461
        if (isSecure()) lines.add("REQUIRETLS"); // RFC 8689 4: offered only inside TLS
        lines.add("CHUNKING");
        if (settings.tlsAvailable() && !isSecure()) lines.add("STARTTLS");
        // RFC 4954 4 and RFC 8314: passwords travel only inside TLS, so AUTH is offered only there.
        if (settings.auth().enabled() && isSecure()) lines.add("AUTH PLAIN LOGIN");
        return new Step.Continue(new Reply(250, "", lines));
    }

    private Step mail(String argument) {
        if (!(phase instanceof Greeted greeted)) {
            return phase instanceof Connected
                    ? reply(503, "5.5.1", "Send EHLO or HELO first")
                    : reply(503, "5.5.1", "Nested MAIL command");
        }
        PathArgument path;
        try {
            path = PathArgument.parse("FROM", argument, true);
        } catch (SyntaxError e) {
            return new Step.Continue(e.reply());
        }
        if (!greeted.extended() && !path.parameters().isEmpty()) {
            return reply(555, "5.5.4", "Parameters need EHLO");
        }
        BodyType body = BodyType.SEVEN_BIT;
        boolean smtpUtf8 = false;
        DsnParameters.ForMail dsn = new DsnParameters.ForMail(isSecure());
        for (Map.Entry<String, String> p : path.parameters().entrySet()) {
            String value = p.getValue();
            switch (p.getKey()) {
                case "SIZE" -> {
                    if (value == null || !PathArgument.isDigits(value, 20)) return reply(501, "5.5.4", "Bad SIZE parameter");
                    // More than 18 digits is more than any limit a long can hold.
                    if (value.length() > 18 || Long.parseLong(value) > settings.sizeLimit()) {
                        return reply(552, "5.3.4", "Message size exceeds fixed limit");
                    }
                }
                case "BODY" -> {
                    if ("7BIT".equalsIgnoreCase(value)) body = BodyType.SEVEN_BIT;
                    else if ("8BITMIME".equalsIgnoreCase(value)) body = BodyType.EIGHT_BIT_MIME;
                    else return reply(501, "5.5.4", "Bad BODY parameter (7BIT or 8BITMIME)");
                }
                case "AUTH" -> {
                    // RFC 4954 5: the submitter's identity as an xtext; accepted and not relayed further.
                    if (value == null) return reply(501, "5.5.4", "AUTH= needs a value");
                }
                case "RET", "ENVID", "REQUIRETLS" -> {
                    Reply refused = dsn.accept(p.getKey(), value);
                    if (refused != null) return new Step.Continue(refused);
                }
                case "SMTPUTF8" -> {
                    if (value != null) return reply(501, "5.5.4", "SMTPUTF8 takes no value");
                    smtpUtf8 = true;
                }
                default -> {
                    return reply(555, "5.5.4", "Unsupported parameter " + p.getKey());
                }
            }
        }
        if (path.mailbox().isInternationalized() && !smtpUtf8) {
            return reply(553, "5.6.7", "Non-ASCII address needs SMTPUTF8");
        }
        if (user != null && !settings.auth().maySendAs(user, path.mailbox())) {
            return reply(553, "5.7.1", "Sender <" + path.mailbox() + "> not owned by user " + user);
        }
        if (!admission.hasRoom()) return reply(452, "4.3.1", "Insufficient system storage, try again later");
        phase = new Transaction(greeted, admission.nextQueueId(), path.mailbox(), body, smtpUtf8,
                ZonedDateTime.now(clock), List.of(), false, 0, dsn.request(), List.of(), dsn.requireTls());
        return ok("2.1.0", "Sender <" + path.mailbox() + "> ok");
    }

    private Step rcpt(String argument) {
        if (!(phase instanceof Transaction t)) return reply(503, "5.5.1", "Need MAIL before RCPT");
        if (t.chunked()) return reply(503, "5.5.1", "RCPT not allowed during BDAT");
        PathArgument path;
        RecipientDsn rcptDsn;
        try {
            path = PathArgument.parse("TO", argument, false);
            if (!t.greeted().extended() && !path.parameters().isEmpty()) return reply(555, "5.5.4", "Parameters need EHLO");
            rcptDsn = DsnParameters.forRcpt(path.parameters(), t.smtpUtf8());
        } catch (SyntaxError e) {
            return new Step.Continue(e.reply());
        }
        Mailbox rcpt = path.mailbox();
        if (rcpt.isInternationalized() && !t.smtpUtf8()) return reply(553, "5.6.7", "Non-ASCII address needs SMTPUTF8");
        if (!trustedNetwork && user == null) {
            if (!settings.relay().acceptsDomain(rcpt.domain())) return reply(554, "5.7.1", "<" + rcpt + ">: Relay access denied");
            if (rcpt.localPart().chars().anyMatch(c -> c == '%' || c == '!' || c == '@')) {
                return reply(550, "5.7.1", "<" + rcpt + ">: Routing in the local part is not allowed");
            }
        }
        if (t.recipients().size() >= settings.maxRecipients()) return reply(452, "4.5.3", "Too many recipients");
        phase = t.adding(rcpt, rcptDsn);
        return ok("2.1.5", "Recipient <" + rcpt + "> ok");
    }

    private Step data(String argument) {
        if (!argument.isEmpty()) return reply(501, "5.5.4", "DATA takes no argument");
        if (!(phase instanceof Transaction t)) return reply(503, "5.5.1", "Need MAIL before DATA");
        if (t.chunked()) return reply(503, "5.5.1", "DATA not allowed after BDAT");
        if (t.recipients().isEmpty()) return reply(503, "5.5.1", "Need RCPT before DATA");
        return new Step.ReadData(Reply.of(354, "", "End data with <CR><LF>.<CR><LF>"), envelope(t), settings.sizeLimit());
    }

    private Step bdat(String argument) {
        String[] words = argument.strip().split(" +");
        boolean last = words.length == 2 && words[1].equalsIgnoreCase("LAST");
        if (!PathArgument.isDigits(words[0], 18) || (words.length == 2 && !last) || words.length > 2) {
            // Without a size we cannot find the next command in the stream: give up on the connection.
            return new Step.Close(Reply.of(501, "5.5.4", "Syntax: BDAT size [LAST]; closing connection"));
        }
        long size = Long.parseLong(words[0]);
        if (!(phase instanceof Transaction t) || !t.greeted().extended()) {
            return new Step.DiscardChunk(size, Reply.of(503, "5.5.1", "Need MAIL before BDAT"));
        }
        if (t.recipients().isEmpty()) return new Step.DiscardChunk(size, Reply.of(503, "5.5.1", "Need RCPT before BDAT"));
        if (t.octets() + size > settings.sizeLimit()) {
            phase = t.greeted();
            return new Step.DiscardChunk(size, Reply.of(552, "5.3.4", "Message size exceeds fixed limit"));
        }
        return new Step.ReadChunk(envelope(t), !t.chunked(), size, last, settings.sizeLimit() - t.octets());
    }

    private Step rset(String argument) {
        if (!argument.isEmpty()) return reply(501, "5.5.4", "RSET takes no argument");
        resetTransaction();
        return ok("2.0.0", "Ok");
    }

    private Step startTls(String argument) {
        if (!argument.isEmpty()) return reply(501, "5.5.4", "STARTTLS takes no argument");
        if (isSecure()) return reply(503, "5.5.1", "Already in TLS");
        if (!settings.tlsAvailable()) return reply(454, "4.7.0", "TLS not available");
        if (phase instanceof Connected) return reply(503, "5.5.1", "Send EHLO first");
        return new Step.StartTls(Reply.of(220, "2.0.0", "Ready to start TLS"));
    }

    private Step auth(String argument) {
        if (!settings.auth().enabled()) return reply(502, "5.5.1", "AUTH not available");
        if (!isSecure()) return reply(530, "5.7.0", "Must issue a STARTTLS command first");
        if (!(phase instanceof Greeted greeted) || !greeted.extended()) {
            return reply(503, "5.5.1", phase instanceof Transaction ? "AUTH not allowed during a transaction" : "Send EHLO first");
        }
        if (user != null) return reply(503, "5.5.1", "Already authenticated");
        String[] words = argument.strip().split(" +", 2);
        String mechanism = words[0].toUpperCase(Locale.ROOT);
        String initial = words.length == 2 ? words[1] : null;
        switch (mechanism) {
            case "PLAIN" -> {
                if (initial != null) return plain(greeted, initial);
                phase = new Authenticating(greeted, "PLAIN", null);
                return reply(334, "", "");
            }
            case "LOGIN" -> {
                if (initial != null) return loginUser(greeted, initial);
                phase = new Authenticating(greeted, "LOGIN", null);
                return reply(334, "", Sasl.USERNAME_PROMPT);
            }
            default -> {
                return reply(504, "5.5.4", "Unrecognized authentication type");
            }
        }
    }

    private Step saslResponse(Authenticating a, String line) {
        phase = a.greeted();
        if (line.equals("*")) return reply(501, "5.0.0", "Authentication cancelled");
        if (a.mechanism().equals("PLAIN")) return plain(a.greeted(), line);
        return a.user() == null ? loginUser(a.greeted(), line) : verify(a.user(), line);
    }

    private Step plain(Greeted greeted, String response) {
        return Sasl.plain(response)
                .map(c -> c.authorizationId().isEmpty() || c.authorizationId().equals(c.user())
                        ? verify(c.user(), c.passwordBase64())
                        : reply(535, "5.7.8", "Authentication credentials invalid"))
                .orElseGet(() -> reply(501, "5.5.2", "Cannot decode response"));
    }

    private Step loginUser(Greeted greeted, String response) {
        return Sasl.decode(response)
                .map(name -> {
                    phase = new Authenticating(greeted, "LOGIN", name);
                    return reply(334, "", Sasl.PASSWORD_PROMPT);
                })
                .orElseGet(() -> reply(501, "5.5.2", "Cannot decode response"));
    }

    /** @param passwordBase64 the password as the client sent it, still in base64 */
    private Step verify(String name, String passwordBase64) {
        char[] password = Sasl.decodeChars(passwordBase64).orElse(null);
        if (password == null) return reply(501, "5.5.2", "Cannot decode response");
        try {
            var verdict = settings.auth().check(clientAddress, name, password);
            if (verdict.user().isPresent()) {
                user = verdict.user().get();
                return reply(235, "2.7.0", "Authentication successful");
            }
            return new Step.Pause(verdict.delay(), Reply.of(535, "5.7.8", "Authentication credentials invalid"));
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    /** The user who authenticated (RFC 4954), or null. */
    public String authenticatedUser() {
        return user;
    }

    /** The Received header that goes in front of the body (RFC 5321 4.4). */
    public String receivedHeader(Envelope envelope) {
        Transaction t = (Transaction) phase;
        String single = envelope.recipients().size() == 1 ? envelope.recipients().getFirst().toString() : null;
        return ReceivedHeader.format(t.greeted().helo(), clientAddress.getHostAddress(), settings.hostname(),
                ReceivedHeader.protocol(t.greeted().extended(), isSecure(), user != null, t.smtpUtf8()),
                t.id().value(), tls, single, t.arrival());
    }

    private Envelope envelope(Transaction t) {
        return new Envelope(t.id(), t.sender(), t.recipients(), t.body(), t.smtpUtf8(), t.arrival().toInstant(),
                PathArgument.printable(t.greeted().helo()) + " [" + clientAddress.getHostAddress() + "]", tls,
                t.dsn(), t.recipientDsn(), t.requireTls());
    }

    private void resetTransaction() {
        if (phase instanceof Transaction t) phase = t.greeted();
    }

    /** Hard errors count against the client; past the limit it is cut off (Postfix's smtpd_hard_error_limit). */
    private Step countErrors(Step step) {
        Reply reply = switch (step) {
            case Step.Continue c -> c.reply();
            case Step.DiscardChunk d -> d.reply();
            case Step.Pause pause -> pause.reply();
            default -> null;
        };
        if (reply != null && reply.isPermanent() && ++errors >= settings.maxErrors()) {
            return new Step.Close(Reply.of(421, "4.7.0", settings.hostname() + " Too many errors; closing connection"));
        }
        return step;
    }

    private static Step ok(String status, String text) {
        return reply(250, status, text);
    }

    private static Step reply(int code, String status, String text) {
        return new Step.Continue(Reply.of(code, status, text));
    }
}
