package org.postloom.delivery.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.postloom.mail.Envelope;
import org.postloom.mail.Mailbox;
import org.postloom.mail.QueueId;

/** Envelopes, bodies and settings for the client tests. */
final class TestMail {

    static final ClientSettings SETTINGS = ClientSettings.defaults("courier.postloom.test")
            .withTimeouts(ClientTimeouts.uniform(Duration.ofSeconds(5)));

    private TestMail() {
    }

    static Envelope envelope(String queueId, String... recipients) {
        return envelope(queueId, Envelope.BodyType.SEVEN_BIT, false, recipients);
    }

    static Envelope envelope(String queueId, Envelope.BodyType body, boolean smtpUtf8, String... recipients) {
        List<Mailbox> rcpts = Arrays.stream(recipients).map(TestMail::mailbox).toList();
        return new Envelope(new QueueId(queueId), mailbox("sender@postloom.test"), rcpts, body, smtpUtf8,
                Instant.parse("2025-01-01T00:00:00Z"), "client.test [127.0.0.1]", "");
    }

    static Mailbox mailbox(String address) {
        int at = address.lastIndexOf('@');
        return new Mailbox(address.substring(0, at), address.substring(at + 1));
    }

    /** Every recipient of the envelope, in order. */
    static List<Integer> all(Envelope envelope) {
        return IntStream.range(0, envelope.recipients().size()).boxed().toList();
    }

    static MessageBody body(String text) {
        return MessageBody.of(text.getBytes(StandardCharsets.UTF_8));
    }

    static String message(String subject, String text) {
        return "From: sender@postloom.test\r\nTo: rcpt@example.test\r\nSubject: " + subject + "\r\n\r\n" + text;
    }

    /** Every outcome is of {@code type}, with {@code scope} and the enhanced status {@code status}. */
    static void assertEach(List<Outcome> outcomes, Class<? extends Outcome> type, Outcome.Scope scope, String status) {
        assertThat(outcomes).isNotEmpty().allSatisfy(o -> {
            assertThat(o).isInstanceOf(type);
            assertThat(o.scope()).isEqualTo(scope);
            assertThat(o.reply().status()).isEqualTo(status);
        });
    }
}
