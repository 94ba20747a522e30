package org.postloom.smtp;

import java.util.Locale;
import java.util.Optional;

/**
 * The verbs the server knows. Replies to a pipelined group (RFC 2920 3.1) need no per-verb flag:
 * the connection flushes whenever the client has nothing more buffered, which covers the verbs
 * that end a group.
 */
public enum Verb {
    EHLO,
    HELO,
    MAIL,
    RCPT,
    DATA,
    BDAT,
    RSET,
    NOOP,
    QUIT,
    VRFY,
    EXPN,
    HELP,
    STARTTLS,
    AUTH;

    public static Optional<Verb> parse(String word) {
        try {
            return Optional.of(valueOf(word.toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException notAVerb) {
            return Optional.empty();
        }
    }
}
