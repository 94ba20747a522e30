package org.postloom.bench;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * What one blast does. {@code messages} is the total over all sessions (0: until {@code duration}
 * ends); {@code messagesPerConnection} 0 keeps each connection for the whole run; {@code rate} 0
 * sends as fast as the server answers, else paces the whole run to that many messages per second.
 */
record BlastPlan(InetSocketAddress server, int sessions, long messages, Duration duration, int size,
                 int recipients, int domains, boolean starttls, boolean pipelining, AddressPattern from,
                 AddressPattern to, String helo, int messagesPerConnection, double rate, Duration timeout) {

    BlastPlan {
        if (sessions < 1) throw new IllegalArgumentException("--sessions must be at least 1");
        if (messages < 0) throw new IllegalArgumentException("--messages must not be negative");
        if (messages == 0 && duration == null) throw new IllegalArgumentException("give --messages or --duration");
        if (recipients < 1) throw new IllegalArgumentException("--recipients must be at least 1");
        if (domains < 1) throw new IllegalArgumentException("--domains must be at least 1");
        if (messagesPerConnection < 0) throw new IllegalArgumentException("--messages-per-connection must not be negative");
        if (rate < 0) throw new IllegalArgumentException("--rate must not be negative");
    }
}
