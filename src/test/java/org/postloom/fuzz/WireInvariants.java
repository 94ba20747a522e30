package org.postloom.fuzz;

import java.util.regex.Pattern;
import org.postloom.smtp.Reply;

/** What must hold of every reply and every stored or sent message, whatever the input was. */
final class WireInvariants {

    /** RFC 3463: class.subject.detail, the class agreeing with the reply code's first digit. */
    private static final Pattern ENHANCED = Pattern.compile("[245]\\.\\d{1,3}\\.\\d{1,3}");
    /** RFC 5321 4.5.3.1.5: a reply line is at most 512 octets with its CRLF. */
    private static final int MAX_REPLY_LINE = 512;

    private WireInvariants() {}

    /**
     * @param bare whether the reply may lack an enhanced status code: the greeting and the
     *             EHLO/HELO reply (RFC 2034 3); intermediate 3xx replies never need one
     */
    static void checkReply(Reply reply, boolean bare) {
        String wire = reply.toString();
        for (String line : wire.split("\r\n", -1)) {
            if (line.isEmpty()) continue;
            if (line.indexOf('\r') >= 0 || line.indexOf('\n') >= 0) fail("bare CR or LF in reply line: " + wire);
            if (line.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 2 > MAX_REPLY_LINE) {
                fail("reply line over 512 octets: " + line.length());
            }
            if (!line.matches("[2-5][0-9]{2}[ -].*")) fail("reply line without a code: " + line);
        }
        if (!wire.endsWith("\r\n")) fail("reply does not end in CRLF: " + wire);
        if (bare && reply.status().isEmpty()) return;
        if (reply.code() / 100 == 3 && reply.status().isEmpty()) return; // RFC 3463 has no class 3
        if (!ENHANCED.matcher(reply.status()).matches()) fail("no enhanced status code in " + wire);
        if (reply.status().charAt(0) != Integer.toString(reply.code()).charAt(0)) {
            fail("enhanced status class disagrees with the code: " + wire);
        }
    }

    /** Every CR is followed by LF and every LF preceded by CR; no line (CRLF excluded) is longer than {@code maxLine}. */
    static void checkLines(byte[] content, int maxLine, String what) {
        int column = 0;
        for (int i = 0; i < content.length; i++) {
            byte b = content[i];
            if (b == '\r') {
                if (i + 1 >= content.length || content[i + 1] != '\n') fail("bare CR at " + i + " in " + what);
            } else if (b == '\n') {
                if (i == 0 || content[i - 1] != '\r') fail("bare LF at " + i + " in " + what);
                column = 0;
            } else if (++column > maxLine) {
                fail("line over " + maxLine + " octets at " + i + " in " + what);
            }
        }
    }

    static void fail(String why) {
        throw new AssertionError(why);
    }
}
