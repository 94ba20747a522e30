package org.postloom.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Real replies of Gmail, Yahoo, Microsoft and Apple (and the relay's own) against the built-in table. */
class BounceClassifierTest {

    private static final BounceClassifier CLASSIFIER = BounceClassifier.builtIn();

    record Sample(String expected, int code, String status, String text) {
        @Override
        public String toString() {
            return expected + " <- " + code + " " + status + " " + text.substring(0, Math.min(60, text.length()));
        }
    }

    static Stream<Sample> providerReplies() throws IOException {
        try (InputStream in = BounceClassifierTest.class.getResourceAsStream("provider-replies.tsv")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(l -> !l.isBlank() && !l.startsWith("#"))
                    .map(l -> l.split("\t", 4))
                    .map(f -> new Sample(f[0], Integer.parseInt(f[1]), f[2], f[3]))
                    .toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("providerReplies")
    void classifiesProviderReplies(Sample s) {
        assertThat(CLASSIFIER.classify(s.code(), s.status(), s.text()).wireName()).isEqualTo(s.expected());
    }

    @ParameterizedTest
    @CsvSource({
            "550, 5.1.1, invalid-recipient", "550, 5.2.1, invalid-recipient", "552, 5.2.2, mailbox-full",
            "552, 5.3.4, message-too-large", "550, 5.7.23, authentication", "421, 4.7.10, tls-failure",
            "554, 5.6.1, content-rejected", "550, 5.4.6, routing", "554, 5.5.1, protocol-error", "552, '', mailbox-full",
            "550, '', other"})
    void withoutAMatchingRuleTheEnhancedStatusDecides(int code, String status, String expected) {
        assertThat(CLASSIFIER.classify(code, status, "no words a rule knows").wireName()).isEqualTo(expected);
    }

    @Test
    void everyClassHasAWireNameThatRoundTrips() {
        assertThat(Arrays.stream(BounceClass.values()).map(BounceClass::wireName))
                .contains("invalid-recipient", "rate-limited", "dns-failure", "expired", "other");
        for (BounceClass c : BounceClass.values()) assertThat(BounceClass.ofWireName(c.wireName())).contains(c);
    }

    @Test
    void operatorRulesComeBeforeTheBuiltInOnes(@TempDir Path dir) throws IOException {
        Path rules = Files.writeString(dir.resolve("rules.tsv"), "# ours\nreputation\tcustomer-blocked\nmailbox-full\tdoes not exist\n");
        BounceClassifier ours = BounceClassifier.withOperatorRules(Optional.of(rules));
        assertThat(ours.classify(550, "5.7.1", "customer-blocked by policy")).isEqualTo(BounceClass.REPUTATION);
        assertThat(ours.classify(550, "5.1.1", "user does not exist")).isEqualTo(BounceClass.MAILBOX_FULL);
        assertThat(ours.classify(552, "5.3.4", "message too big")).isEqualTo(BounceClass.MESSAGE_TOO_LARGE);
    }

    @Test
    void aBadOperatorLineStopsTheStartNamingTheSettingAndTheLine(@TempDir Path dir) throws IOException {
        Path unknown = Files.writeString(dir.resolve("a.tsv"), "mailbox-ful\tfull\n");
        assertThatThrownBy(() -> BounceClassifier.withOperatorRules(Optional.of(unknown)))
                .hasMessageContaining("postloom.events.bounce-classes-file").hasMessageContaining("line 1")
                .hasMessageContaining("unknown bounce class mailbox-ful");
        Path regex = Files.writeString(dir.resolve("b.tsv"), "\nother\t(unclosed\n");
        assertThatThrownBy(() -> BounceClassifier.withOperatorRules(Optional.of(regex)))
                .hasMessageContaining("line 2").hasMessageContaining("bad regex");
    }
}
