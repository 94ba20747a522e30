package org.postloom.smtp;

/** How reading a message body (DATA, or a BDAT chunk) and storing it ended. */
public enum BodyOutcome {
    /** The message is complete and durable: answer 250 with the queue id. */
    STORED,
    /** A BDAT chunk that is not the last one was read and stored. */
    CHUNK_STORED,
    /** The body grew past the size limit (RFC 1870); it was read to its end and dropped. */
    TOO_BIG,
    /** A CR or LF that was not part of a CRLF pair: the SMTP smuggling class (RFC 5321 2.3.8). */
    BARE_CR_OR_LF,
    /** A line longer than the hard cap. */
    LINE_TOO_LONG,
    /** Storage is full or nearly so. */
    STORAGE_FULL,
    /** Storage failed to write or to sync. */
    STORAGE_FAILED
}
