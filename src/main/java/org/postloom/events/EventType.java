package org.postloom.events;

import com.fasterxml.jackson.annotation.JsonValue;

/** What an event reports (CONTRACT.md section 3); the wire name is the JSON {@code type}. */
public enum EventType {
    RECEPTION("reception", 'r'),
    DELIVERY("delivery", 'd'),
    TRANSIENT_FAILURE("transient-failure", 't'),
    BOUNCE("bounce", 'b'),
    EXPIRATION("expiration", 'x'),
    SUPPRESSION("suppression", 's');

    private final String wireName;
    /** One letter in the event id, which must stay short and stable. */
    final char letter;

    EventType(String wireName, char letter) {
        this.wireName = wireName;
        this.letter = letter;
    }

    @JsonValue
    public String wireName() {
        return wireName;
    }

    /** Whether nothing more happens to the recipient after this event. */
    public boolean isTerminal() {
        return this == DELIVERY || this == BOUNCE || this == EXPIRATION || this == SUPPRESSION;
    }
}
