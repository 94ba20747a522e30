package org.postloom.mail;

import java.time.Instant;
import java.util.Collections;
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
 * @param dsn        RET and ENVID (RFC 3461 4.3, 4.4)
 * @param recipientDsn NOTIFY and ORCPT per recipient (RFC 3461 4.1, 4.2), same order as recipients
 * @param requireTls whether MAIL carried REQUIRETLS (RFC 8689 4.1): every hop must be TLS to an
 *                   authenticated server
 * @param tenant     whose mail it is (a configured tenant's name: the HTTP token's, or the SMTP
 *                   AUTH user's), or empty; the egress pool and the events use it
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
        DsnRequest dsn,
        List<RecipientDsn> recipientDsn,
        boolean requireTls,
        String tenant,
        String egressSource) {

    /** An envelope without DSN parameters or REQUIRETLS, of no tenant. */
    public Envelope(QueueId queueId, Mailbox sender, List<Mailbox> recipients, BodyType body, boolean smtpUtf8,
                    Instant arrival, String client, String tls) {
        this(queueId, sender, recipients, body, smtpUtf8, arrival, client, tls, DsnRequest.NONE,
                Collections.nCopies(recipients.size(), RecipientDsn.NONE), false);
    }

    /** An envelope of no tenant. */
    public Envelope(QueueId queueId, Mailbox sender, List<Mailbox> recipients, BodyType body, boolean smtpUtf8,
                    Instant arrival, String client, String tls, DsnRequest dsn, List<RecipientDsn> recipientDsn,
                    boolean requireTls) {
        this(queueId, sender, recipients, body, smtpUtf8, arrival, client, tls, dsn, recipientDsn, requireTls, "");
    }

    /** An envelope without a chosen egress source. */
    public Envelope(QueueId queueId, Mailbox sender, List<Mailbox> recipients, BodyType body, boolean smtpUtf8,
                    Instant arrival, String client, String tls, DsnRequest dsn, List<RecipientDsn> recipientDsn,
                    boolean requireTls, String tenant) {
        this(queueId, sender, recipients, body, smtpUtf8, arrival, client, tls, dsn, recipientDsn, requireTls, tenant, "");
    }

    public Envelope {
        Objects.requireNonNull(queueId);
        Objects.requireNonNull(sender);
        recipients = List.copyOf(recipients);
        Objects.requireNonNull(body);
        Objects.requireNonNull(arrival);
        Objects.requireNonNull(client);
        Objects.requireNonNull(tls);
        Objects.requireNonNull(dsn);
        recipientDsn = List.copyOf(recipientDsn);
        if (recipientDsn.size() != recipients.size()) throw new IllegalArgumentException("one RecipientDsn per recipient");
        Objects.requireNonNull(tenant);
        Objects.requireNonNull(egressSource);
    }

    /** The DSN parameters of the recipient at {@code index}. */
    public RecipientDsn dsnOf(int index) {
        return recipientDsn.get(index);
    }

    /** The same envelope as mail of {@code name}. */
    public Envelope withTenant(String name) {
        return new Envelope(queueId, sender, recipients, body, smtpUtf8, arrival, client, tls, dsn, recipientDsn,
                requireTls, name, egressSource);
    }

    /** The same envelope leaving from the egress source {@code source}. */
    public Envelope withEgressSource(String source) {
        return new Envelope(queueId, sender, recipients, body, smtpUtf8, arrival, client, tls, dsn, recipientDsn,
                requireTls, tenant, source);
    }

    /** RFC 6152 body types. BINARYMIME is not offered. */
    public enum BodyType { SEVEN_BIT, EIGHT_BIT_MIME }
}
