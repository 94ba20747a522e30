package org.postloom.smtp;

import java.util.List;

/** The settings every transcript is written against. */
public final class TestSettings {

    public static final String HOSTNAME = "mx.postloom.test";

    private TestSettings() {}

    /** As {@link #session()}, with TLS available (STARTTLS offered). */
    public static SessionSettings sessionWithTls() {
        SessionSettings s = session();
        return new SessionSettings(s.hostname(), s.sizeLimit(), s.maxRecipients(), s.maxErrors(), true, s.relay());
    }

    public static SessionSettings session() {
        return new SessionSettings(HOSTNAME, 10_000, 5, 10, false,
                RelayPolicy.of(List.of("127.0.0.1/32", "::1/128"), List.of("relay.test")));
    }
}
