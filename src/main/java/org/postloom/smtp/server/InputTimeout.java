package org.postloom.smtp.server;

import java.io.IOException;

/** The client did not finish a line, or a body, within its deadline (RFC 5321 4.5.3.2). */
final class InputTimeout extends IOException {
    InputTimeout(String what) {
        super("timed out reading " + what, null);
    }
}
