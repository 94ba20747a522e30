package org.postloom.intake;

import org.postloom.intake.MessageStore.Reception;
import org.postloom.mail.Envelope;

/**
 * Signs messages as they are received (DKIM, RFC 6376 5: once, before the message is made
 * durable). A seam, so senders know nothing of keys: SMTP reception writes its own trace header,
 * then streams the client's content through the reception this returns, which may put header
 * lines in front at commit ({@link Reception#prepend(byte[])}).
 */
@FunctionalInterface
public interface MessageSigner {

    /** Signs nothing. */
    MessageSigner NONE = (envelope, reception) -> reception;

    /** A reception that sees the client's content on its way into {@code reception}. */
    Reception sign(Envelope envelope, Reception reception);
}
