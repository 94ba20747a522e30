package org.postloom.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Resolvers that fail: the answer must be "try later", and come within the time-out. */
class MxResolverFailureTest {

    @Test
    void aResolverThatNeverAnswersIsATemporaryFailureWithinTheTimeout() throws IOException {
        try (var silent = UdpDnsStub.silent()) {
            var resolver = MxResolver.create(List.of(silent.address()), Duration.ofMillis(300));

            long start = System.nanoTime();
            Resolution resolution = resolver.resolve("example.test");
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertThat(resolution).isInstanceOf(Resolution.TemporaryFailure.class);
            assertThat(took).isLessThan(Duration.ofSeconds(2));
        }
    }

    @Test
    void servfailIsATemporaryFailure() throws IOException {
        try (var broken = UdpDnsStub.servfail()) {
            var resolver = MxResolver.create(List.of(broken.address()), Duration.ofSeconds(2));

            assertThat(resolver.resolve("example.test"))
                    .isInstanceOfSatisfying(Resolution.TemporaryFailure.class, failure ->
                            assertThat(failure.reason()).contains("SERVFAIL"));
        }
    }

    @Test
    void aDeadFirstServerFallsOverToTheNext() throws IOException {
        try (var silent = UdpDnsStub.silent();
                var dns = DnsmasqServer.start(60,
                        "--mx-host=fallover.test,mx.fallover.test,10",
                        "--host-record=mx.fallover.test,127.0.0.8")) {
            var resolver = MxResolver.create(
                    List.of(silent.address(), dns.address()), Duration.ofSeconds(3));

            assertThat(MxResolverTest.names(resolver.resolve("fallover.test")))
                    .containsExactly("mx.fallover.test");
        }
    }
}
