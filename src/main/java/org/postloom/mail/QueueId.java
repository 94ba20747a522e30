package org.postloom.mail;

/**
 * A message's id in the queue: short, unique across restarts, roughly ordered by time.
 * Shown in the reply to the end of data, in the Received header and in every log line.
 */
public record QueueId(String value) {
    public QueueId {
        if (value == null || value.isEmpty() || value.length() > 32 || !value.chars().allMatch(Character::isLetterOrDigit)) {
            throw new IllegalArgumentException("bad queue id: " + value);
        }
    }

    @Override
    public String toString() {
        return value;
    }
}
