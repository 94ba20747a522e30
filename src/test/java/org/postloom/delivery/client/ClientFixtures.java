package org.postloom.delivery.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/** Settings, bodies and outcome checks for the client tests (envelopes: {@link org.postloom.testing.TestMail}). */
final class ClientFixtures {

    static final ClientSettings SETTINGS = ClientSettings.defaults("courier.postloom.test")
            .withTimeouts(ClientTimeouts.uniform(Duration.ofSeconds(5)));

    private ClientFixtures() {}

    static MessageBody body(String text) {
        return MessageBody.of(text.getBytes(StandardCharsets.UTF_8));
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
