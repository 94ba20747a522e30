package org.postloom.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.postloom.delivery.client.Outcome;
import org.postloom.smtp.Reply;

/** Only the suppressing transport's own refusal counts as a suppression, never a server's reply. */
class SuppressionOutcomeTest {

    @Test
    void theTransportsOwnRefusalIsASuppression() {
        assertThat(SuppressingTransport.isSuppression(new Outcome.Failed(SuppressingTransport.SUPPRESSED, Outcome.Scope.RECIPIENT)))
                .isTrue();
    }

    @Test
    void aServersReplyWithTheSameTextIsABounceNotASuppression() {
        Reply same = Reply.of(550, "5.7.1", "Recipient address is on the suppression list (not attempted)");
        assertThat(same).isEqualTo(SuppressingTransport.SUPPRESSED);
        assertThat(SuppressingTransport.isSuppression(new Outcome.Failed(same, Outcome.Scope.RECIPIENT, true))).isFalse();
        assertThat(SuppressingTransport.isSuppression(new Outcome.Failed(same, Outcome.Scope.RECIPIENT)))
                .as("an equal reply made elsewhere").isFalse();
        assertThat(SuppressingTransport.isSuppression(new Outcome.Failed(SuppressingTransport.SUPPRESSED, Outcome.Scope.RECIPIENT, true)))
                .as("said by a server").isFalse();
        assertThat(SuppressingTransport.isSuppression(new Outcome.Deferred(SuppressingTransport.SUPPRESSED, Outcome.Scope.RECIPIENT)))
                .isFalse();
    }
}
