package org.postloom.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.postloom.dns.DnsmasqServer;

/**
 * A domain's site follows its MX records as they change: the relay believes a domain's site for
 * its MX answer's TTL, then looks again, so mail for a domain whose MX set moved goes to the new
 * site. dnsmasq serves the zone; it is restarted on the same port with the new MX record.
 */
class SiteFollowsMxIT extends ShapingFixture {

    private static final int TTL_SECONDS = 10;
    private static final String OLD = "127.0.8.10", NEW = "127.0.8.11";
    private static final String[] HOSTS = {"--host-record=mx.old.test," + OLD, "--host-record=mx.new.test," + NEW};
    private DnsmasqServer dns;

    @Override
    int dnsPort() {
        return dns.port();
    }

    @AfterEach
    void stopDns() throws IOException {
        if (dns != null) dns.close();
    }

    private static String[] zone(String mx) {
        return new String[] {"--mx-host=move.test," + mx + ",10", HOSTS[0], HOSTS[1]};
    }

    @Test
    void aDomainWhoseMxSetChangesMovesToItsNewSiteOnceItsTtlHasPassed() throws Exception {
        dns = DnsmasqServer.start(TTL_SECONDS, zone("mx.old.test"));
        relay(sinks(CapturingSink.ACCEPT_ALL, OLD, NEW), Map.of());
        CapturingSink old = sinkAt.get(OLD), moved = sinkAt.get(NEW);
        long looked = System.nanoTime();
        submit(List.of("first@move.test"));
        await("the first at the old site", Duration.ofSeconds(30), () -> old.accepted.size() == 1);

        int port = dns.port();
        dns.close();
        dns = DnsmasqServer.startOn(port, TTL_SECONDS, zone("mx.new.test"));
        assertThat(Duration.ofNanos(System.nanoTime() - looked)).as("the zone changed well within the TTL")
                .isLessThan(Duration.ofSeconds(TTL_SECONDS - 3));
        submit(List.of("second@move.test"));
        await("the second, still at the old site within the TTL", Duration.ofSeconds(30), () -> old.accepted.size() == 2);
        assertThat(moved.accepted).isEmpty();

        // One message every half second until one reaches the new site.
        for (int i = 0; moved.accepted.isEmpty(); i++) {
            assertThat(Duration.ofNanos(System.nanoTime() - looked)).as("moved within twice the TTL and some")
                    .isLessThan(Duration.ofSeconds(3L * TTL_SECONDS));
            submit(List.of("later" + i + "@move.test"));
            int sent = 3 + i;
            await("delivered somewhere", Duration.ofSeconds(30), () -> old.accepted.size() + moved.accepted.size() == sent);
            Thread.sleep(500); // the pace of the test's own mail, not a wait for the relay
        }
        assertThat(Duration.ofNanos(System.nanoTime() - looked)).as("the old site was believed for its TTL")
                .isGreaterThanOrEqualTo(Duration.ofSeconds(TTL_SECONDS - 1));
        JsonNode site = site("mx.new.test");
        assertThat(site.get("domains").toString()).isEqualTo("[\"move.test\"]");
        assertThat(site("mx.old.test").get("domains").toString()).isEqualTo("[]");
    }
}
