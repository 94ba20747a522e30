package org.postloom.spool;

import org.postloom.intake.IntakeException;

/**
 * Storage refused or failed; the message was not accepted and the client must hear a 4xx. Also
 * what recording a recipient's state throws.
 */
public final class SpoolException extends IntakeException {

    public SpoolException(Kind kind, String message, Throwable cause) {
        super(kind, message, cause);
    }

    public SpoolException(Kind kind, String message) {
        this(kind, message, null);
    }
}
