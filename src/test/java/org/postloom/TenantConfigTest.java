package org.postloom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.postloom.config.ConfigLoader;
import org.postloom.inject.TenantRates;

/** postloom.tenants."<name>": read into tenants, and a bad setting stops the start with one line naming it. */
class TenantConfigTest {

    private static final TenantRates LOCAL = TenantRates.local(System::nanoTime);

    @Test
    void tenantsTheirSmtpUsersAndTheirNames() {
        var tenants = new TenantConfig(ConfigLoader.of(Map.of(
                "postloom.tenants.acme.token", "t1",
                "postloom.tenants.acme.pool", "warm",
                "postloom.tenants.acme.max-message-rate", "5/min",
                "postloom.tenants.acme.sender-domains", "Acme.Test,mail.acme.test",
                "postloom.tenants.acme.smtp-users", "app,cron",
                "postloom.tenants.\"big.corp\".token", "t2")), LOCAL);
        assertThat(tenants.tenants.names()).containsExactlyInAnyOrder("acme", "big.corp");
        assertThat(tenants.tenantOfSmtpUser).containsExactlyInAnyOrderEntriesOf(Map.of("app", "acme", "cron", "acme"));
    }

    @Test
    void aBadRateATokenSharedOrAnSmtpUserClaimedTwiceStopsTheStart() {
        assertThatThrownBy(() -> new TenantConfig(ConfigLoader.of(Map.of("postloom.tenants.acme.max-message-rate", "fast")), LOCAL))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("postloom.tenants.\"acme\".max-message-rate=fast: is not a rate (N/s, N/min or N/h)");
        assertThatThrownBy(() -> new TenantConfig(ConfigLoader.of(Map.of(
                "postloom.tenants.a.token", "same", "postloom.tenants.b.token", "same")), LOCAL))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(".token: the same as tenant ");
        assertThatThrownBy(() -> new TenantConfig(ConfigLoader.of(Map.of(
                "postloom.tenants.a.smtp-users", "app", "postloom.tenants.b.smtp-users", "app")), LOCAL))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(".smtp-users: app is tenant ");
    }
}
