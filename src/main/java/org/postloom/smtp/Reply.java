package org.postloom.smtp;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One SMTP reply (RFC 5321 4.2): a three-digit code, an enhanced status code (RFC 3463) and one or
 * more lines of text. The greeting and the EHLO reply carry no enhanced code (RFC 2034 3), so
 * {@code status} may be empty.
 */
public record Reply(int code, String status, List<String> lines) {

    public Reply {
        if (code < 200 || code > 599) throw new IllegalArgumentException("reply code " + code);
        lines = List.copyOf(lines);
        if (lines.isEmpty()) throw new IllegalArgumentException("a reply needs text");
    }

    public static Reply of(int code, String status, String text) {
        return new Reply(code, status, List.of(text));
    }

    /** 2xx: the command was accepted (RFC 5321 4.2.1). */
    public boolean isSuccess() {
        return code / 100 == 2;
    }

    /** 2xx or 3xx: not a refusal. */
    public boolean isPositive() {
        return code < 400;
    }

    /** 4xx: refused for now; the same command may work later. */
    public boolean isTransient() {
        return code / 100 == 4;
    }

    /** 5xx: refused for good. */
    public boolean isPermanent() {
        return code >= 500;
    }

    /**
     * The RFC 3463 status to report (a DSN's Status, a log line): the reply's own, or the class's
     * generic one ({@code 2.0.0}, {@code 4.0.0}, {@code 5.0.0}; RFC 3463 3.1) when it carried none.
     */
    public String enhancedStatus() {
        return status.isEmpty() ? (code / 100) + ".0.0" : status;
    }

    /** This reply, with {@link #enhancedStatus()} filled in when the server sent no enhanced code. */
    public Reply withDefaultStatus() {
        return status.isEmpty() ? new Reply(code, enhancedStatus(), lines) : this;
    }

    /** Code, status and every line's text, joined by spaces: for logs and for matching reply rules. */
    public String oneLine() {
        return code + " " + (status.isEmpty() ? "" : status + " ") + String.join(" ", lines);
    }

    /** The wire form: {@code 250-first}, ..., {@code 250 last}, each line ending in CRLF. */
    public byte[] toBytes() {
        return toString().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            out.append(code).append(i == lines.size() - 1 ? ' ' : '-');
            if (!status.isEmpty()) out.append(status).append(' ');
            out.append(lines.get(i)).append("\r\n");
        }
        return out.toString();
    }
}
