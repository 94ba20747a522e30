package org.postloom.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.postloom.config.ConfigLoader;
import org.postloom.config.PostloomConfig;

class DkimConfigTest {

    @Test
    void keysByQuotedDomainAndSelector() {
        PostloomConfig c = ConfigLoader.of(Map.of(
                "postloom.dkim.\"example.com\".\"rsa2025\"", "/keys/rsa.pem",
                "postloom.dkim.\"example.com\".ed2025", "/keys/ed.pem",
                "postloom.dkim-canonicalization", "simple/relaxed",
                "postloom.dkim-parent-domains", "true"));
        assertThat(c.dkim()).containsOnlyKeys("example.com");
        assertThat(c.dkim().get("example.com")).containsOnly(
                Map.entry("rsa2025", "/keys/rsa.pem"), Map.entry("ed2025", "/keys/ed.pem"));
        var settings = DkimSettings.defaults().withCanonicalization(c.dkimCanonicalization());
        assertThat(settings.headers()).isEqualTo(Canonicalization.SIMPLE);
        assertThat(settings.body()).isEqualTo(Canonicalization.RELAXED);
        assertThat(c.dkimParentDomains()).isTrue();
    }

    @Test
    void defaultsSignNothingRelaxedBothWays() {
        PostloomConfig c = ConfigLoader.load(Optional.empty());
        assertThat(c.dkim()).isEmpty();
        assertThat(c.dkimCanonicalization()).isEqualTo("relaxed/relaxed");
        assertThat(c.dkimParentDomains()).isFalse();
        assertThat(c.dkimHeaders()).isEmpty();
        assertThat(DkimSettings.defaults().withSignedHeaders(java.util.List.of("subject", "To")).signedHeaders())
                .containsExactly("From", "subject", "To");
    }
}
