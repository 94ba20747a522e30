package org.postloom.intake;

import java.io.IOException;

/**
 * Storage refused or failed a message: it was not accepted, and the sender must hear a
 * temporary failure. The kind decides which (RFC 3463 enhanced status codes).
 */
public class IntakeException extends IOException {

    public enum Kind {
        /** Not enough space: 452 4.3.1 ("mail system full"). */
        FULL,
        /** Write or fsync failed, or storage is closing: 451 4.3.0. */
        FAILED
    }

    private final Kind kind;

    public IntakeException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public IntakeException(Kind kind, String message) {
        this(kind, message, null);
    }

    public Kind kind() {
        return kind;
    }
}
