package org.postloom.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Test messages of an exact size: {@code size} octets of RFC 5322 message (headers, blank line,
 * body, every line ended by CRLF), which is what the server stores and counts against SIZE. On the
 * wire, lines that start with "." carry one more "." (RFC 5321 4.5.2); the body has such lines on
 * purpose, so every run also checks the relay's dot handling.
 *
 * <p>The body is cut from one template built at start, so making a message costs its headers only.
 */
final class MessageFactory {

    /** Octets of one template line, CRLF included (RFC 5322 2.1.1 recommends at most 78). */
    static final int LINE = 78;
    private static final int DOT_EVERY = 16;

    private final int size;
    private final String runId;
    private final String date;
    /** Template body in wire form (dot-stuffed), and the wire offset after each whole line. */
    private final byte[] wire;
    private final int[] wireEnd;

    MessageFactory(int size, String runId, String date) {
        if (size < 1) throw new IllegalArgumentException("size must be positive");
        this.size = size;
        this.runId = runId;
        this.date = date;
        int lines = size / LINE + 1;
        byte[] template = new byte[lines * (LINE + 1)];
        wireEnd = new int[lines + 1];
        int at = 0;
        long seed = 0x9E3779B97F4A7C15L;
        String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789    ";
        for (int line = 0; line < lines; line++) {
            int first = at;
            for (int i = 0; i < LINE - 2; i++) {
                seed = seed * 6364136223846793005L + 1442695040888963407L;
                template[at++] = (byte) alphabet.charAt((int) ((seed >>> 33) % alphabet.length()));
            }
            if (line % DOT_EVERY == DOT_EVERY - 1) {
                // A line of the message that starts with "." goes on the wire as "..".
                System.arraycopy(template, first, template, first + 2, LINE - 3);
                template[first] = '.';
                template[first + 1] = '.';
                at = first + LINE - 1;
            }
            template[at++] = '\r';
            template[at++] = '\n';
            wireEnd[line + 1] = at;
        }
        wire = Arrays.copyOf(template, at);
    }

    int size() {
        return size;
    }

    /** Message {@code n}: the headers are its own; the body comes from the template. */
    Message message(long n, String from, List<String> to) {
        String headers = "Date: " + date + "\r\n"
                + "From: <" + from + ">\r\n"
                + "To: <" + to.getFirst() + ">" + (to.size() > 1 ? ", (" + (to.size() - 1) + " more)" : "") + "\r\n"
                + "Subject: Postloom bench message " + n + "\r\n"
                + "Message-ID: <" + n + "." + runId + "@bench.test>\r\n"
                // When it was made, just before it is sent: the sink times delivery from it.
                + "X-Bench-Sent: " + System.currentTimeMillis() + "\r\n"
                + "MIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=us-ascii\r\n"
                + "\r\n";
        byte[] head = headers.getBytes(StandardCharsets.US_ASCII);
        int remaining = size - head.length;
        if (remaining < 0 || remaining == 1) {
            throw new IllegalArgumentException("--size " + size + " is too small for the headers (" + head.length
                    + " octets); use at least " + (head.length + 2));
        }
        int whole = remaining / LINE;
        int rest = remaining % LINE;
        byte[] tail;
        if (rest == 1) {
            // No line can be 1 octet: give up one whole line and end with two short ones.
            whole--;
            tail = (repeat('x', 37) + "\r\n" + repeat('y', 38) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        } else if (rest >= 2) {
            tail = (repeat('z', rest - 2) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        } else {
            tail = new byte[0];
        }
        return new Message(head, wire, wireEnd[whole], tail);
    }

    private static String repeat(char c, int count) {
        return String.valueOf(c).repeat(count);
    }

    /** One message in wire form, without the terminating ".": head, a prefix of the template, tail. */
    record Message(byte[] head, byte[] template, int templateLength, byte[] tail) {

        void writeTo(OutputStream out) throws IOException {
            out.write(head);
            out.write(template, 0, templateLength);
            out.write(tail);
        }

        int wireLength() {
            return head.length + templateLength + tail.length;
        }
    }
}
