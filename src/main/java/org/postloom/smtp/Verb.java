package org.postloom.smtp;

import java.util.Locale;
import java.util.Optional;

/**
 * The verbs the server knows, with the properties that cross-cutting rules need (after Postfix's
 * {@code smtpd_cmd_table}).
 */
public enum Verb {
    EHLO(true),
    HELO(true),
    MAIL(false),
    RCPT(false),
    DATA(true),
    BDAT(true),
    RSET(false),
    NOOP(true),
    QUIT(true),
    VRFY(true),
    EXPN(true),
    HELP(true),
    STARTTLS(true),
    AUTH(true);

    /**
     * RFC 2920 3.1: the verbs that end a pipelined group; the client waits for their replies
     * before it sends more (so those replies must not wait in our output buffer).
     */
    private final boolean endsGroup;

    Verb(boolean endsGroup) {
        this.endsGroup = endsGroup;
    }

    public boolean endsGroup() {
        return endsGroup;
    }

    public static Optional<Verb> parse(String word) {
        try {
            return Optional.of(valueOf(word.toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException notAVerb) {
            return Optional.empty();
        }
    }
}
