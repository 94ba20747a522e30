package org.postloom.spool;

import java.time.Instant;
import org.postloom.mail.QueueId;

/**
 * A queued message as scheduling holds it: its id, when it arrived and how big its body is, and
 * nothing else. The envelope stays on disk until the message is about to be carried
 * ({@link Spool#message}); that is what keeps a queue of millions within a small heap.
 *
 * @param arrivalMillis when the message arrived, in milliseconds since the epoch
 */
public record MessageRef(QueueId queueId, long arrivalMillis, long bodySize) {

    public Instant arrival() {
        return Instant.ofEpochMilli(arrivalMillis);
    }
}
