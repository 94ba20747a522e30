package org.postloom.delivery;

import java.time.Duration;
import java.util.List;
import org.postloom.dns.MailHost;
import org.postloom.dns.Resolution;

/**
 * A domain's site, from its MX resolution (CONTRACT.md section 2): the set of its MX host names,
 * preferences aside, sorted, so that every domain hosted by the same exchangers shares one site.
 * A domain without hosts (DNS failed, NXDOMAIN, null MX) is a site of its own, where its couriers
 * come to the same verdict as before. The site is believed for the MX answer's TTL, so a domain
 * whose MX records change moves to its new site once the old answer has expired.
 */
record SiteNames(String site, List<String> mx, Duration believedFor) {

    /** How long a site is believed when no MX TTL is known (implicit MX, null MX, no such domain). */
    static final Duration REFRESH = Duration.ofSeconds(60);
    /**
     * Bounds on the MX TTL as the time a site is believed: no lookup per message for a TTL of 0,
     * and a domain that moves is followed within the hour even if its old TTL was a day.
     */
    static final Duration MIN_REFRESH = Duration.ofSeconds(5), MAX_REFRESH = Duration.ofHours(1);
    /** A failed lookup is tried again sooner, so the domain joins its real site once DNS answers. */
    static final Duration FAILED_REFRESH = Duration.ofSeconds(15);

    static SiteNames of(String domain, Resolution resolution) {
        return switch (resolution) {
            case Resolution.Hosts h -> {
                List<String> names = h.hosts().stream().map(MailHost::name).map(n -> n.toLowerCase(java.util.Locale.ROOT))
                        .distinct().sorted().toList();
                yield new SiteNames(String.join(",", names), names, h.mxTtl().map(SiteNames::bounded).orElse(REFRESH));
            }
            case Resolution.TemporaryFailure t -> new SiteNames(domain, List.of(), FAILED_REFRESH);
            default -> new SiteNames(domain, List.of(), REFRESH);
        };
    }

    /** The MX answer's TTL, within {@link #MIN_REFRESH} and {@link #MAX_REFRESH}. */
    static Duration bounded(Duration ttl) {
        return ttl.compareTo(MIN_REFRESH) < 0 ? MIN_REFRESH : ttl.compareTo(MAX_REFRESH) > 0 ? MAX_REFRESH : ttl;
    }
}
