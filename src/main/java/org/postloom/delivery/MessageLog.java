package org.postloom.delivery;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import org.postloom.mail.Mailbox;
import org.postloom.mail.QueueId;

/**
 * The one home of the log lines about a message's life after it was queued (README "Logs"): one
 * line per event, the event's name first, then {@code key=value} fields with the queue id. Every
 * outcome of delivery passes here, so this is where a journal of delivery events attaches.
 * ({@code queued} is logged by the spool as the message becomes durable; {@code dkim=} by the
 * signer at reception.)
 */
final class MessageLog {

    private static final System.Logger LOG = System.getLogger("org.postloom.delivery");

    private MessageLog() {}

    /** A recipient's attempt ended: {@code delivered}, {@code deferred}, {@code bounced} or {@code expired}. */
    static void recipient(String event, QueueId id, Mailbox recipient, String via, Duration delay, String status,
                          Instant next, String reply) {
        LOG.log(Level.INFO, event + " id=" + id + " to=<" + recipient + "> via=" + via
                + " delay=" + delay.toMillis() / 1000.0 + "s status=" + status
                + (event.equals("deferred") ? " next=" + next : "") + " reply=\"" + reply.replace('"', '\'') + "\"");
    }

    /** The outcomes of an attempt could not be made durable; the attempt will be repeated. */
    static void notRecorded(QueueId id, String error) {
        LOG.log(Level.ERROR, "cannot record outcomes id=" + id + ": " + error);
    }

    /** A delivery status notification (failed, delayed or relayed) went into the queue for the sender (RFC 3464). */
    static void dsnSent(QueueId id, Mailbox sender, String action, int recipients, QueueId dsn) {
        LOG.log(Level.INFO, "dsn-sent id=" + id + " to=<" + sender + "> action=" + action + " nrcpt=" + recipients
                + " dsn=" + dsn);
    }

    /**
     * A report that is not sent.
     *
     * @param reason {@code null-sender} (never a report to {@code <>}, RFC 5321 4.5.5) or {@code bounce-messages-off}
     */
    static void dsnSkipped(QueueId id, String reason) {
        LOG.log(Level.INFO, "dsn-skipped id=" + id + " reason=" + reason);
    }

    /** An operator removed the message from the queue. */
    static void deleted(QueueId id, int recipients, boolean bounce) {
        LOG.log(Level.INFO, "deleted id=" + id + " nrcpt=" + recipients + " bounce=" + bounce);
    }
}
