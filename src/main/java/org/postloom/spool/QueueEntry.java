package org.postloom.spool;

import java.util.List;

/**
 * A durable message as the spool hands it to scheduling (once at reception, and once for each
 * live message found at start): what routing and retry need, without the envelope.
 *
 * @param recipientDomains each recipient's domain, in the envelope's order
 * @param recipients       each recipient's state, in the same order
 * @param egressSource     the egress source chosen when it was queued ({@code ""}: none chosen)
 */
public record QueueEntry(MessageRef message, List<String> recipientDomains, List<RecipientState> recipients,
                         String egressSource) {

    public QueueEntry {
        recipientDomains = List.copyOf(recipientDomains);
        recipients = List.copyOf(recipients);
        if (recipientDomains.size() != recipients.size()) {
            throw new IllegalArgumentException("one state per recipient expected");
        }
    }
}
