package org.postloom;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.postloom.config.MapKeys;
import org.postloom.config.PostloomConfig;
import org.postloom.delivery.schedule.Rate;
import org.postloom.inject.Tenant;
import org.postloom.inject.TenantRates;
import org.postloom.inject.Tenants;

/**
 * The {@code postloom.tenants."<name>"} settings read into tenants, checked at start: a bad rate,
 * a token two tenants share or an SMTP user two tenants claim stops the start with one line
 * naming the setting.
 */
final class TenantConfig {

    final Tenants tenants;
    /** The tenant of each SMTP AUTH user named in a tenant's {@code smtp-users}. */
    final Map<String, String> tenantOfSmtpUser;

    /** @param rates where tenants' rate buckets are kept: this node's memory, or Redis for all nodes */
    TenantConfig(PostloomConfig config, TenantRates rates) {
        List<Tenant> list = new ArrayList<>();
        Map<String, String> byToken = new HashMap<>();
        Map<String, String> byUser = new HashMap<>();
        config.tenants().forEach((key, t) -> {
            String name = MapKeys.unquote(key);
            String prefix = "postloom.tenants.\"" + name + "\".";
            Optional<Rate> rate = ShapingConfiguration.rate(prefix + "max-message-rate", t.maxMessageRate());
            t.token().filter(s -> !s.isBlank()).ifPresent(token -> {
                String other = byToken.put(token, name);
                if (other != null) throw new IllegalArgumentException(prefix + "token: the same as tenant " + other + "'s");
            });
            for (String user : nonBlank(t.smtpUsers())) {
                String other = byUser.put(user, name);
                if (other != null) throw new IllegalArgumentException(prefix + "smtp-users: " + user + " is tenant " + other + "'s already");
            }
            var domains = new LinkedHashSet<String>();
            nonBlank(t.senderDomains()).forEach(d -> domains.add(d.toLowerCase(Locale.ROOT)));
            list.add(new Tenant(name, t.token(), rate, domains, rates));
        });
        this.tenants = new Tenants(list, config.admin().token());
        this.tenantOfSmtpUser = Map.copyOf(byUser);
    }

    private static List<String> nonBlank(Optional<List<String>> values) {
        return values.orElse(List.of()).stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
    }
}
