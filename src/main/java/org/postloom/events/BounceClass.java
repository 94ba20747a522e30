package org.postloom.events;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** Why a recipient failed, in the fixed vocabulary of CONTRACT.md section 3 ({@code bounce_class}). */
public enum BounceClass {
    INVALID_RECIPIENT, MAILBOX_FULL, MESSAGE_TOO_LARGE, CONTENT_REJECTED, REPUTATION, RATE_LIMITED,
    AUTHENTICATION, DNS_FAILURE, TLS_FAILURE, PROTOCOL_ERROR, ROUTING, EXPIRED, OTHER;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static Optional<BounceClass> ofWireName(String name) {
        return Arrays.stream(values()).filter(c -> c.wireName().equals(name.strip())).findFirst();
    }
}
