package org.postloom.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.postloom.delivery.Bouncer;
import org.postloom.mail.Envelope;
import org.postloom.mail.Mailbox;
import org.postloom.mail.QueueId;
import org.postloom.smtp.MemoryStore;
import org.postloom.smtp.PathArgument;
import org.postloom.smtp.SyntaxError;
import org.postloom.spool.RecipientState;
import org.postloom.spool.SpooledMessage;

/**
 * The DSN builder fed hostile material: original headers (any bytes in CRLF lines, as the spool
 * keeps them), remote replies with CR, LF and header-looking text, odd addresses. The bounce
 * never carries a bare CR or LF or a line over 998 octets, and its own header section is exactly
 * the one Bouncer writes: nothing from the subject, the headers or a reply is injected into it.
 */
class BouncerFuzzTest {

    private static final List<String> OWN_HEADERS = List.of("From", "To", "Subject", "Date", "Message-ID",
            "Auto-Submitted", "MIME-Version", "Content-Type");
    private static final String[] PIECES = {"\r\n", "\n", "\r", "Bcc: victim@evil.test", "Subject: injected",
            "\r\n\r\n", "--", "=_", ": ", " ", "\t", "550 5.1.1 ", "x".repeat(300), "ü", "\u0000"};

    @FuzzTest(maxDuration = "10s")
    void bouncesAreCleanWhateverTheyQuote(byte[] input) throws Exception {
        check(input);
    }

    static void check(byte[] input) throws Exception {
        ByteTokens tokens = new ByteTokens(input);
        Mailbox sender = mailbox(tokens.text(40), new Mailbox("s", "sender.test"));
        List<Bouncer.Notice> failures = new ArrayList<>();
        List<Mailbox> rcpts = new ArrayList<>();
        int n = 1 + tokens.below(3);
        for (int i = 0; i < n; i++) {
            rcpts.add(mailbox(tokens.text(30), new Mailbox("r" + i, "dest.test")));
            failures.add(new Bouncer.Notice(i, "5.1.1", hostile(tokens), "mx.dest.test"));
        }
        byte[] original = originalMessage(tokens);
        Envelope envelope = new Envelope(new QueueId("Q1"), sender, rcpts, Envelope.BodyType.EIGHT_BIT_MIME,
                sender.isInternationalized(), Instant.EPOCH, "client.test [127.0.0.1]", "");
        SpooledMessage message = new SpooledMessage(envelope,
                Collections.nCopies(rcpts.size(), RecipientState.PENDING), original.length);

        MemoryStore store = new MemoryStore();
        new Bouncer(store, m -> new ByteArrayInputStream(original), "relay.fuzz.test",
                Clock.fixed(Instant.EPOCH, ZoneOffset.UTC)).failed(message, failures);

        if (sender.isNull()) {
            assertThat(store.committed()).isEmpty();
            return;
        }
        byte[] dsn = store.committed().getFirst().body();
        WireInvariants.checkLines(dsn, 998, "a bounce");
        String text = new String(dsn, StandardCharsets.UTF_8);
        String head = text.substring(0, text.indexOf("\r\n\r\n"));
        List<String> names = head.lines().filter(l -> !l.startsWith("\t") && !l.startsWith(" "))
                .map(l -> l.substring(0, Math.max(0, l.indexOf(':')))).toList();
        assertThat(names).as("the bounce's own header section").isEqualTo(OWN_HEADERS);
    }

    private static Mailbox mailbox(String text, Mailbox otherwise) {
        try {
            return PathArgument.parse("FROM", "FROM:<" + text + ">", true).mailbox();
        } catch (SyntaxError e) {
            return otherwise;
        }
    }

    /** A remote reply or diagnostic: header-looking text, line breaks, long runs. */
    private static String hostile(ByteTokens tokens) {
        var out = new StringBuilder();
        int parts = tokens.below(12);
        for (int i = 0; i < parts; i++) out.append(tokens.below(2) == 0 ? tokens.pick(PIECES) : tokens.text(24));
        return out.toString();
    }

    /** What the spool would hold: header lines (any bytes but CR and LF) in CRLF, a blank line, a body. */
    private static byte[] originalMessage(ByteTokens tokens) {
        var out = new ByteArrayOutputStream();
        int lines = tokens.below(20);
        for (int i = 0; i < lines; i++) {
            for (byte b : tokens.below(2) == 0 ? tokens.pick(PIECES).getBytes(StandardCharsets.UTF_8) : tokens.bytes(40)) {
                if (b != '\r' && b != '\n') out.write(b);
            }
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.writeBytes("\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }
}
