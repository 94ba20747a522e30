package org.postloom.delivery.client;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Makes message content safe for SMTP lines before it is sent: every line ends in CRLF, and no line
 * is longer than 998 octets (RFC 5321 4.5.3.1.6; RFC 5322 2.1.1).
 *
 * <ul>
 *   <li>A bare CR or LF becomes CRLF. The spool keeps bodies CRLF-normalized already; this is the
 *       guard that no bare CR or LF ever reaches the wire (RFC 5321 2.3.8), where a receiver could
 *       read it as the end of data (SMTP smuggling).</li>
 *   <li>A line longer than 998 octets is broken by inserting CRLF SPACE, as Postfix does with
 *       {@code smtp_line_length_limit}: in a header that is folding (RFC 5322 2.2.3), in a body it
 *       adds one space, which does the least damage to MIME. The space counts toward the next line.</li>
 *   <li>Content that does not end in CRLF gets one at {@link #finish()}.</li>
 * </ul>
 */
public final class LineFolder extends FilterOutputStream {

    static final int MAX_LINE = 998;

    private int column;
    private boolean pendingCr;

    public LineFolder(OutputStream out) {
        super(out);
    }

    @Override
    public void write(int b) throws IOException {
        if (pendingCr) {
            pendingCr = false;
            endLine();
            if (b == '\n') return;
        }
        switch (b & 0xff) {
            case '\r' -> pendingCr = true;
            case '\n' -> endLine();
            default -> {
                if (column == MAX_LINE) {
                    out.write(FOLD);
                    column = 1;
                }
                out.write(b);
                column++;
            }
        }
    }

    /** Passes runs of ordinary octets on in one write; line ends and folds go octet by octet. */
    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        int i = off;
        int end = off + len;
        while (i < end) {
            if (pendingCr || b[i] == '\r' || b[i] == '\n' || column == MAX_LINE) {
                write(b[i++]);
                continue;
            }
            int run = i;
            int room = MAX_LINE - column;
            while (run < end && run - i < room && b[run] != '\r' && b[run] != '\n') run++;
            out.write(b, i, run - i);
            column += run - i;
            i = run;
        }
    }

    /** Ends the last line; the stream underneath stays open. */
    public void finish() throws IOException {
        if (pendingCr || column > 0) {
            pendingCr = false;
            endLine();
        }
    }

    @Override
    public void close() {
        throw new UnsupportedOperationException("finish() instead: the connection stays open");
    }

    private void endLine() throws IOException {
        out.write('\r');
        out.write('\n');
        column = 0;
    }

    private static final byte[] FOLD = {'\r', '\n', ' '};
}
