package org.postloom.delivery;

import java.time.Duration;
import java.util.List;
import org.postloom.dns.MailHost;
import org.postloom.dns.Resolution;

/**
 * A domain's site, from its MX resolution (CONTRACT.md section 2): the set of its MX host names,
 * preferences aside, sorted, so that every domain hosted by the same exchangers shares one site.
 * A domain without hosts (DNS failed, NXDOMAIN, null MX) is a site of its own, where its couriers
 * come to the same verdict as before.
 */
record SiteNames(String site, List<String> mx, Duration believedFor) {

    /** How long a site is believed before the domain is looked up again (the resolver caches by TTL). */
    static final Duration REFRESH = Duration.ofSeconds(60);
    /** A failed lookup is tried again sooner, so the domain joins its real site once DNS answers. */
    static final Duration FAILED_REFRESH = Duration.ofSeconds(15);

    static SiteNames of(String domain, Resolution resolution) {
        return switch (resolution) {
            case Resolution.Hosts h -> {
                List<String> names = h.hosts().stream().map(MailHost::name).map(n -> n.toLowerCase(java.util.Locale.ROOT))
                        .distinct().sorted().toList();
                yield new SiteNames(String.join(",", names), names, REFRESH);
            }
            case Resolution.TemporaryFailure t -> new SiteNames(domain, List.of(), FAILED_REFRESH);
            default -> new SiteNames(domain, List.of(), REFRESH);
        };
    }
}
