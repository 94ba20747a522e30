package org.postloom.delivery.client;

import java.time.Duration;
import java.util.stream.Stream;

/**
 * How long the client waits at each step of a conversation. The defaults are the minimums of
 * RFC 5321 4.5.3.2 (client side): a server that is slow but alive must not be cut off, because a
 * cut after the final dot can make it deliver twice.
 *
 * @param connect   establishing the TCP connection (not in the RFC; Postfix's 30 s)
 * @param greeting  the 220 greeting (4.5.3.2.1: 5 minutes)
 * @param hello     EHLO/HELO and STARTTLS, including the TLS handshake (as Postfix: 5 minutes)
 * @param mail      the reply to MAIL (4.5.3.2.2: 5 minutes)
 * @param rcpt      the reply to each RCPT (4.5.3.2.3: 5 minutes)
 * @param dataInit  the 354 reply to DATA (4.5.3.2.4: 2 minutes)
 * @param dataBlock each write of message data, which a stalled server blocks (4.5.3.2.5: 3 minutes)
 * @param finalDot  the reply after the end of data or BDAT LAST (4.5.3.2.6: 10 minutes)
 * @param reset     RSET and QUIT (not in the RFC; short, as nothing is at stake: Postfix's 20 s)
 */
public record ClientTimeouts(Duration connect, Duration greeting, Duration hello, Duration mail, Duration rcpt,
                             Duration dataInit, Duration dataBlock, Duration finalDot, Duration reset) {

    public ClientTimeouts {
        if (Stream.of(connect, greeting, hello, mail, rcpt, dataInit, dataBlock, finalDot, reset)
                .anyMatch(d -> d == null || d.isNegative() || d.isZero())) {
            throw new IllegalArgumentException("every timeout must be positive");
        }
    }

    /** The values RFC 5321 4.5.3.2 asks for. */
    public static ClientTimeouts rfc5321() {
        return new ClientTimeouts(Duration.ofSeconds(30), Duration.ofMinutes(5), Duration.ofMinutes(5),
                Duration.ofMinutes(5), Duration.ofMinutes(5), Duration.ofMinutes(2), Duration.ofMinutes(3),
                Duration.ofMinutes(10), Duration.ofSeconds(20));
    }

    public ClientTimeouts withConnect(Duration newConnect) {
        return new ClientTimeouts(newConnect, greeting, hello, mail, rcpt, dataInit, dataBlock, finalDot, reset);
    }

    /** The same limit at every step; for tests. */
    public static ClientTimeouts uniform(Duration each) {
        return new ClientTimeouts(each, each, each, each, each, each, each, each, each);
    }
}
