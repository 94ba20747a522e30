package org.postloom.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.postloom.dns.MailHost;
import org.postloom.dns.Resolution;

/** A domain's site and how long it is believed: the MX answer's TTL, within a floor and a ceiling. */
class SiteNamesTest {

    private static Resolution hosts(Optional<Duration> ttl, String... names) {
        List<MailHost> hosts = java.util.Arrays.stream(names)
                .map(n -> new MailHost(n, 10, List.of(InetAddress.getLoopbackAddress()))).toList();
        return new Resolution.Hosts(hosts, ttl);
    }

    @Test
    void theSiteIsTheSortedSetOfMxNamesBelievedForTheMxTtl() {
        SiteNames site = SiteNames.of("a.test", hosts(Optional.of(Duration.ofSeconds(300)), "MX2.a.test", "mx1.a.test"));
        assertThat(site.site()).isEqualTo("mx1.a.test,mx2.a.test");
        assertThat(site.believedFor()).isEqualTo(Duration.ofSeconds(300));
    }

    @Test
    void aTinyTtlIsRaisedToTheFloorAndAHugeOneLoweredToTheCeiling() {
        assertThat(SiteNames.of("a.test", hosts(Optional.of(Duration.ZERO), "mx.a.test")).believedFor())
                .isEqualTo(SiteNames.MIN_REFRESH).isEqualTo(Duration.ofSeconds(5));
        assertThat(SiteNames.of("a.test", hosts(Optional.of(Duration.ofDays(1)), "mx.a.test")).believedFor())
                .isEqualTo(SiteNames.MAX_REFRESH).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void withoutAnMxTtlTheDefaultHoldsAndAFailedLookupIsTriedSooner() {
        assertThat(SiteNames.of("a.test", hosts(Optional.empty(), "a.test")).believedFor()).isEqualTo(SiteNames.REFRESH);
        SiteNames failed = SiteNames.of("a.test", new Resolution.TemporaryFailure("SERVFAIL"));
        assertThat(failed.site()).isEqualTo("a.test");
        assertThat(failed.believedFor()).isEqualTo(SiteNames.FAILED_REFRESH);
    }
}
