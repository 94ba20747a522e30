package org.postloom.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.postloom.testing.Await;

/** Answers are reused for their TTL and asked again after it (dnsjava's cache, real seconds). */
class MxResolverTtlTest {

    private static final int TTL_SECONDS = 3;

    @Test
    void answersAreCachedForTheirTtlAndNoLonger() throws Exception {
        var before = DnsmasqServer.start(TTL_SECONDS,
                "--mx-host=ttl.test,old.ttl.test,10", "--host-record=old.ttl.test,127.0.0.31");
        int port = before.port();
        var resolver = MxResolver.create(List.of(before.address()), Duration.ofSeconds(2));
        long firstLookup = System.nanoTime();
        Resolution first = resolver.resolve("ttl.test");
        assertThat(MxResolverTest.names(first)).containsExactly("old.ttl.test");
        assertThat(((Resolution.Hosts) first).mxTtl()).as("the MX answer's TTL, for the site's refresh")
                .contains(Duration.ofSeconds(TTL_SECONDS));
        before.close();

        // The zone changes: the same port now serves another MX host.
        try (var after = DnsmasqServer.startOn(port, TTL_SECONDS,
                "--mx-host=ttl.test,new.ttl.test,10", "--host-record=new.ttl.test,127.0.0.32")) {
            // dnsjava counts TTLs in whole seconds, so the old answer lives at least TTL - 1 s.
            assertThat(Duration.ofNanos(System.nanoTime() - firstLookup))
                    .as("restart was quick enough for this test to mean anything")
                    .isLessThan(Duration.ofSeconds(TTL_SECONDS - 1));
            assertThat(MxResolverTest.names(resolver.resolve("ttl.test"))).containsExactly("old.ttl.test");
            assertThat(after.queriesSeen("MX", "ttl.test")).isZero();

            // Asked again until the cached answer expires: each of those is answered from the cache.
            Await.until("the new answer once the TTL has passed", Duration.ofSeconds(TTL_SECONDS + 10),
                    () -> MxResolverTest.names(resolver.resolve("ttl.test")).equals(List.of("new.ttl.test")));
            assertThat(Duration.ofNanos(System.nanoTime() - firstLookup)).as("the old answer lived out its TTL")
                    .isGreaterThanOrEqualTo(Duration.ofSeconds(TTL_SECONDS - 1));
            assertThat(after.queriesSeen("MX", "ttl.test")).isEqualTo(1);
        }
    }
}
