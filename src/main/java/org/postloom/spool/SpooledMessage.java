package org.postloom.spool;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.postloom.mail.Envelope;
import org.postloom.mail.QueueId;

/**
 * A durable message as the delivery engine sees it: its envelope, where each recipient stands
 * (same order as {@link Envelope#recipients()}), and the size of its body. Immutable: a change of
 * state yields a new value.
 */
public record SpooledMessage(Envelope envelope, List<RecipientState> recipients, long bodySize) {

    public SpooledMessage {
        recipients = List.copyOf(recipients);
        if (recipients.size() != envelope.recipients().size()) {
            throw new IllegalArgumentException("one state per recipient expected");
        }
    }

    /** A message just received: every recipient pending. */
    static SpooledMessage received(Envelope envelope, long bodySize) {
        var pending = Collections.nCopies(envelope.recipients().size(), RecipientState.PENDING);
        return new SpooledMessage(envelope, pending, bodySize);
    }

    public QueueId queueId() {
        return envelope.queueId();
    }

    /** Whether every recipient is delivered or failed, so the message can leave the queue. */
    public boolean isFinal() {
        return recipients.stream().allMatch(RecipientState::isFinal);
    }

    SpooledMessage with(int recipient, RecipientState state) {
        var states = new ArrayList<>(recipients);
        states.set(recipient, state);
        return new SpooledMessage(envelope, states, bodySize);
    }
}
