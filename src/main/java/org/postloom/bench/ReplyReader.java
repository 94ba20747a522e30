package org.postloom.bench;

import java.io.EOFException;
import java.io.IOException;
import java.net.ProtocolException;
import java.util.ArrayList;
import java.util.List;

/** Reads multi-line SMTP replies: {@code 250-first}, ..., {@code 250 last} (RFC 5321 4.2.1). */
final class ReplyReader {

    private final LineReader lines;

    ReplyReader(LineReader lines) {
        this.lines = lines;
    }

    Reply read() throws IOException {
        List<String> text = new ArrayList<>(1);
        while (true) {
            if (!lines.next()) throw new EOFException("connection closed while waiting for a reply");
            String line = lines.text();
            if (line.length() < 3 || !Character.isDigit(line.charAt(0)) || !Character.isDigit(line.charAt(1))
                    || !Character.isDigit(line.charAt(2)) || (line.length() > 3 && line.charAt(3) != ' ' && line.charAt(3) != '-')) {
                throw new ProtocolException("not an SMTP reply: " + line);
            }
            text.add(line.length() > 4 ? line.substring(4) : "");
            if (line.length() == 3 || line.charAt(3) == ' ') {
                return new Reply(Integer.parseInt(line, 0, 3, 10), text);
            }
        }
    }
}
