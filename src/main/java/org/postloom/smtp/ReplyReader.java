package org.postloom.smtp;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one SMTP reply parser (the outbound client, the bench tools and tests use it). Reads server
 * replies (RFC 5321 4.2): {@code code-text} lines, then {@code code text}. Keeps its own
 * small buffer, so that it can tell whether the server sent more than it was asked for (which must
 * not happen before a TLS handshake: see {@link #hasBufferedInput()}).
 *
 * <p>Lenient where it costs nothing (a bare LF ends a line too; a last line of just the code), hard
 * where a broken or hostile server could hurt: lines and replies are capped, and a line that does
 * not start with the same three digits fails as {@link MalformedReplyException}.
 */
public final class ReplyReader {

    /** RFC 5321 4.5.3.1.5 allows 512 octets; servers exceed it with long texts. */
    public static final int MAX_LINE = 4096;
    public static final int MAX_LINES = 100;

    /** RFC 3463 2: class.subject.detail, where the class repeats the reply's first digit. */
    private static final Pattern ENHANCED = Pattern.compile("([245])\\.(\\d{1,3})\\.(\\d{1,3})(?: |$)");

    /** A reply that is not SMTP: the conversation cannot go on. */
    public static final class MalformedReplyException extends IOException {
        MalformedReplyException(String message) {
            super(message);
        }
    }

    private final InputStream in;
    private final byte[] buffer = new byte[1024];
    private final LineBuffer lineBuffer = new LineBuffer(); // one per reader, reused for every line
    private int position;
    private int limit;

    public ReplyReader(InputStream in) {
        this.in = in;
    }

    /** Whether bytes already came in that no reply has consumed. */
    public boolean hasBufferedInput() {
        return position < limit;
    }

    /** The next reply; {@link EOFException} if the server closed the connection first. */
    public Reply read() throws IOException {
        List<String> texts = new ArrayList<>();
        int code = -1;
        while (true) {
            String line = readLine();
            if (line.length() < 3 || !startsWithThreeDigits(line) || (line.length() > 3 && " -".indexOf(line.charAt(3)) < 0)) {
                throw new MalformedReplyException("not an SMTP reply line: " + printable(line));
            }
            int lineCode = Integer.parseInt(line, 0, 3, 10);
            if (code >= 0 && lineCode != code) throw new MalformedReplyException("reply code changed within a reply: " + printable(line));
            if (lineCode < 200 || lineCode > 599) throw new MalformedReplyException("reply code out of range: " + printable(line));
            code = lineCode;
            texts.add(line.length() > 4 ? line.substring(4) : "");
            boolean last = line.length() == 3 || line.charAt(3) == ' ';
            if (last) return withEnhancedStatus(code, texts);
            if (texts.size() >= MAX_LINES) throw new MalformedReplyException("reply longer than " + MAX_LINES + " lines");
        }
    }

    /** Moves an enhanced status code (RFC 2034) out of the text, when the first line has one. */
    private static Reply withEnhancedStatus(int code, List<String> texts) {
        String first = texts.getFirst();
        if (first.length() < 5 || first.charAt(1) != '.') return new Reply(code, "", texts); // no X.Y.Z: no regex
        Matcher m = ENHANCED.matcher(first);
        if (!m.lookingAt() || m.group(1).charAt(0) - '0' != code / 100) return new Reply(code, "", texts);
        String status = m.group(1) + "." + m.group(2) + "." + m.group(3);
        List<String> stripped = texts.stream()
                .map(t -> t.startsWith(status) ? t.substring(status.length()).stripLeading() : t)
                .toList();
        return new Reply(code, status, stripped);
    }

    private String readLine() throws IOException {
        lineBuffer.clear();
        while (true) {
            if (position == limit) {
                limit = in.read(buffer);
                position = 0;
                if (limit < 0) {
                    limit = 0;
                    throw new EOFException("connection closed by the server");
                }
            }
            byte b = buffer[position++];
            if (b == '\n') return lineBuffer.toText();
            if (lineBuffer.size() >= MAX_LINE) throw new MalformedReplyException("reply line longer than " + MAX_LINE + " octets");
            lineBuffer.add(b);
        }
    }

    /** Whether the first three characters are digits (the reply code), without a substring. */
    private static boolean startsWithThreeDigits(String line) {
        for (int i = 0; i < 3; i++) {
            if (line.charAt(i) < '0' || line.charAt(i) > '9') return false;
        }
        return true;
    }

    private static String printable(String line) {
        String cut = line.length() > 80 ? line.substring(0, 80) + "..." : line;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }

    /** The octets of one line, decoded as UTF-8 (RFC 6531 3.7.4 allows it in replies), CR dropped. */
    private static final class LineBuffer {
        private byte[] bytes = new byte[128];
        private int size;

        void clear() {
            size = 0;
        }

        void add(byte b) {
            if (size == bytes.length) bytes = Arrays.copyOf(bytes, size * 2);
            bytes[size++] = b;
        }

        int size() {
            return size;
        }

        String toText() {
            int end = size > 0 && bytes[size - 1] == '\r' ? size - 1 : size;
            return new String(bytes, 0, end, StandardCharsets.UTF_8);
        }
    }
}
