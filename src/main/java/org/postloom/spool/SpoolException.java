package org.postloom.spool;

import java.io.IOException;

/** Storage refused or failed; the message was not accepted and the client must hear a 4xx. */
public final class SpoolException extends IOException {

    public enum Kind {
        /** Not enough space: 452 4.3.1 (RFC 3463 "mail system full"). */
        FULL,
        /** Write or fsync failed, or the spool is closing: 451 4.3.0. */
        FAILED
    }

    private final Kind kind;

    public SpoolException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public SpoolException(Kind kind, String message) {
        this(kind, message, null);
    }

    public Kind kind() {
        return kind;
    }
}
