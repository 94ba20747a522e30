package org.postloom.smtp;

import org.postloom.mail.QueueId;

/**
 * What the session asks of whatever stores mail, at MAIL (RFC 5321 4.5.3.1.10: 452 when storage
 * is short, before the client sends a body): whether there is room, and the id of the
 * transaction it begins. The protocol owns this interface; the listener adapts storage to it.
 */
public interface Admission {

    /** Whether a new message would be taken now (disk space, room in the queue). */
    boolean hasRoom();

    /** The id of the transaction MAIL begins; it goes into the Received header and the 250 reply. */
    QueueId nextQueueId();
}
