package org.postloom.smtp.server;

/** A command line as read off the wire: its text, or why it could not be used. */
sealed interface CommandLine {

    record Text(String text) implements CommandLine {}

    /** Longer than the limit; the rest of it, up to its LF, was skipped. */
    record TooLong() implements CommandLine {}

    /** A CR or LF outside a CRLF pair, or bytes that are not UTF-8. */
    record Malformed(String why) implements CommandLine {}
}
