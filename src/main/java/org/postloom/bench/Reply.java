package org.postloom.bench;

import java.util.List;

/** One SMTP reply (RFC 5321 4.2): the code and the text of each line. */
record Reply(int code, List<String> lines) {

    Reply {
        lines = List.copyOf(lines);
    }

    boolean positive() {
        return code >= 200 && code < 400;
    }

    boolean transientFailure() {
        return code >= 400 && code < 500;
    }

    String lastLine() {
        return lines.isEmpty() ? "" : lines.getLast();
    }

    @Override
    public String toString() {
        return code + " " + lastLine();
    }
}
