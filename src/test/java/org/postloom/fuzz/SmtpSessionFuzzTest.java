package org.postloom.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.postloom.smtp.MemoryStore;
import org.postloom.smtp.RelayPolicy;
import org.postloom.smtp.SessionSettings;

/**
 * Whole SMTP conversations made from the fuzzer's bytes, mostly out of protocol fragments (verbs,
 * paths, parameters, CR, LF, dots, BDAT sizes) so that blind mutation still reaches deep states:
 * no exception escapes the session, every reply has a code and, where RFC 2034 asks for one, an
 * enhanced status whose class agrees with the code, and every stored message has only CRLF line
 * ends and no line over the cap.
 */
@Tag("long")
class SmtpSessionFuzzTest {

    private static final SessionSettings SETTINGS = new SessionSettings("mx.fuzz.test", 4000, 5, 10, true,
            RelayPolicy.of(List.of("127.0.0.1/32"), List.of("relay.test")));

    private static final String[] FRAGMENTS = {
            "EHLO client.test", "HELO client.test", "EHLO", "MAIL FROM:<a@b.test>", "MAIL FROM:<>",
            "MAIL FROM:<a@b.test> SIZE=100", "MAIL FROM:<a@b.test> BODY=8BITMIME SMTPUTF8", "MAIL FROM: <x@[127.0.0.1]>",
            "RCPT TO:<r@relay.test>", "RCPT TO:<r@other.test>", "RCPT TO:<@hop.test:r@relay.test>",
            "RCPT TO:<\"q>x\"@relay.test>", "RCPT TO:<ü@relay.test>", "DATA", "BDAT 5", "BDAT 0 LAST", "BDAT 7 LAST",
            "BDAT x", "RSET", "NOOP", "QUIT", "VRFY x", "EXPN x", "HELP", "STARTTLS", "mail from:<a@b.test>",
            "MAIL FROM:<a@b.test> SIZE=99999999999999999999", "RCPT TO:<a@b..test>", "XYZZY",
            "\r\n", "\n", "\r", ".", "\r\n.\r\n", "..", " ", "<", ">", "@", ":", "=", "\u00e9", "\u0000", "\u00ff",
    };

    @FuzzTest(maxDuration = "10s")
    void everyReplyIsWellFormedAndEveryStoredMessageClean(byte[] input) throws UnknownHostException {
        check(input);
    }

    static void check(byte[] input) throws UnknownHostException {
        ByteTokens tokens = new ByteTokens(input);
        InetAddress client = InetAddress.getByName(tokens.next() % 2 == 0 ? "127.0.0.1" : "192.0.2.7");
        byte[] stream = conversation(tokens);
        MemoryStore store = new MemoryStore();
        if (stream.length > 0 && stream[0] == '!') store.full(true);
        new SessionDriver(SETTINGS, client, store, stream).play();
        for (MemoryStore.Stored stored : store.committed()) {
            WireInvariants.checkLines(stored.body(), SessionDriver.BODY_LINE_CAP, "a stored message");
        }
    }

    /** Fragments, raw bytes and line ends, as the tokens say. */
    private static byte[] conversation(ByteTokens tokens) {
        var out = new ByteArrayOutputStream();
        while (tokens.more()) {
            switch (tokens.below(4)) {
                case 0 -> out.writeBytes(tokens.bytes(16));
                case 1 -> out.writeBytes(tokens.pick(FRAGMENTS).getBytes(StandardCharsets.UTF_8));
                default -> out.writeBytes((tokens.pick(FRAGMENTS) + "\r\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        return out.toByteArray();
    }
}
