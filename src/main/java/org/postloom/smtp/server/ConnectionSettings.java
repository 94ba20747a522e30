package org.postloom.smtp.server;

import java.time.Duration;

/**
 * How long and how much one connection may take.
 *
 * @param commandTimeout  time allowed for each command line (RFC 5321 4.5.3.2.7: at least 5 minutes)
 * @param dataTimeout     time allowed for a whole DATA body or BDAT chunk (4.5.3.2.5-6 give 3 minutes
 *                        per block; a whole body bounds a trickling client too)
 * @param handshakeTimeout time allowed for a TLS handshake
 * @param maxLineLength   the hard cap on one line of message data, CRLF excluded
 */
public record ConnectionSettings(Duration commandTimeout, Duration dataTimeout, Duration handshakeTimeout,
                                 int maxLineLength) {

    /**
     * RFC 5321 4.5.3.1.4 allows 512 octets for a command line; extensions may add to it (RFC 1870
     * adds 26 for SIZE), and SMTPUTF8 addresses take more octets than characters.
     */
    static final int MAX_COMMAND_LINE = 1024;
}
