package org.postloom.mail;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What the SMTP transaction said about a message, apart from its content (RFC 5321 2.3.1).
 *
 * @param queueId    the id the relay gave the message when its transaction began
 * @param sender     reverse-path; {@link Mailbox#NULL} for the null sender {@code MAIL FROM:<>}
 * @param recipients forward-paths, in the order RCPT accepted them
 * @param body       the declared body type (RFC 6152)
 * @param smtpUtf8   whether the client asked for SMTPUTF8 (RFC 6531)
 * @param arrival    when the transaction began
 * @param client     where it came from: the client's address and what it said in EHLO/HELO
 * @param tls        the TLS protocol and cipher in use, or empty when in clear text
 * @param egressSource the egress source chosen for it when it was queued, kept across retries
 *                   and restarts; empty when none was chosen (delivery then chooses one)
 */
public record Envelope(
        QueueId queueId,
        Mailbox sender,
        List<Mailbox> recipients,
        BodyType body,
        boolean smtpUtf8,
        Instant arrival,
        String client,
        String tls,
        String egressSource) {

    public Envelope {
        Objects.requireNonNull(queueId);
        Objects.requireNonNull(sender);
        recipients = List.copyOf(recipients);
        Objects.requireNonNull(body);
        Objects.requireNonNull(arrival);
        Objects.requireNonNull(client);
        Objects.requireNonNull(tls);
        Objects.requireNonNull(egressSource);
    }

    /** An envelope without a chosen egress source. */
    public Envelope(QueueId queueId, Mailbox sender, List<Mailbox> recipients, BodyType body, boolean smtpUtf8,
                    Instant arrival, String client, String tls) {
        this(queueId, sender, recipients, body, smtpUtf8, arrival, client, tls, "");
    }

    public Envelope withEgressSource(String source) {
        return new Envelope(queueId, sender, recipients, body, smtpUtf8, arrival, client, tls, source);
    }

    /** RFC 6152 body types. BINARYMIME is not offered. */
    public enum BodyType { SEVEN_BIT, EIGHT_BIT_MIME }
}
