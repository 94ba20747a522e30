package org.postloom.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Tag;
import org.postloom.smtp.PathArgument;
import org.postloom.smtp.SyntaxError;

/**
 * MAIL/RCPT arguments: either a path or a {@link SyntaxError} with a well-formed 5xx reply, never
 * another exception; a parsed mailbox has no control character, and parses again to itself.
 */
@Tag("long")
class PathArgumentFuzzTest {

    private static final String[] PIECES = {"FROM:", "TO:", "<", ">", "@", ".", "\"", "\\", ":", ",", " ", "=",
            "a", "b.test", "[127.0.0.1]", "[IPv6:::1]", "SIZE=1", "BODY=8BITMIME", "é", "\u0085", "\u0000", "-"};

    @FuzzTest(maxDuration = "10s")
    void parsesOrRefusesCleanly(byte[] input) {
        check(input);
    }

    static void check(byte[] input) {
        ByteTokens tokens = new ByteTokens(input);
        boolean from = tokens.next() % 2 == 0;
        var text = new StringBuilder();
        while (tokens.more()) text.append(tokens.below(3) == 0 ? tokens.text(8) : tokens.pick(PIECES));
        String keyword = from ? "FROM" : "TO";
        PathArgument path;
        try {
            path = PathArgument.parse(keyword, text.toString(), from);
        } catch (SyntaxError e) {
            WireInvariants.checkReply(e.reply(), false);
            assertThat(e.reply().code()).isBetween(500, 599);
            return;
        }
        String mailbox = path.mailbox().toString();
        assertThat(mailbox.chars().noneMatch(c -> c < 32 || c == 127)).as("control character in <%s>", mailbox).isTrue();
        try {
            assertThat(PathArgument.parse(keyword, keyword + ":<" + mailbox + ">", from).mailbox()).isEqualTo(path.mailbox());
        } catch (SyntaxError e) {
            throw new AssertionError("<" + mailbox + "> was accepted once but not when given again: " + e.reply(), e);
        }
    }
}
