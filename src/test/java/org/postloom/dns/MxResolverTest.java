package org.postloom.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** MX routing against a real dnsmasq on loopback (RFC 5321 section 5.1, RFC 7505). */
class MxResolverTest {

    private static DnsmasqServer dns;
    private static MxResolver resolver;

    @BeforeAll
    static void startDns() throws IOException {
        dns = DnsmasqServer.start(60,
                "--mx-host=sorted.test,c.sorted.test,30",
                "--mx-host=sorted.test,a.sorted.test,10",
                "--mx-host=sorted.test,b.sorted.test,20",
                "--host-record=a.sorted.test,127.0.0.11",
                "--host-record=b.sorted.test,127.0.0.12",
                "--host-record=c.sorted.test,127.0.0.13",
                "--mx-host=equal.test,x.equal.test,10",
                "--mx-host=equal.test,y.equal.test,10",
                "--mx-host=equal.test,z.equal.test,20",
                "--host-record=x.equal.test,127.0.0.21",
                "--host-record=y.equal.test,127.0.0.22",
                "--host-record=z.equal.test,127.0.0.23",
                "--host-record=implicit.test,127.0.0.3",
                "--host-record=cached.test,127.0.0.7",
                "--dns-rr=null.test,15,000000",
                "--mx-host=dual.test,mx.dual.test,10",
                "--host-record=mx.dual.test,127.0.0.4,::1",
                "--mx-host=partial.test,gone.partial.test,10",
                "--mx-host=partial.test,mx.partial.test,20",
                "--host-record=mx.partial.test,127.0.0.5",
                "--mx-host=dangling.test,nowhere.dangling.test,10",
                "--mx-host=dangling.test,absent.dangling.test,20",
                "--mx-host=addressless.test,txt.addressless.test,10",
                "--txt-record=txt.addressless.test,no address here",
                "--txt-record=textonly.test,no MX and no address",
                "--mx-host=xn--bcher-kva.test,mx.xn--bcher-kva.test,10",
                "--host-record=mx.xn--bcher-kva.test,127.0.0.6");
        resolver = MxResolver.create(List.of(dns.address()), Duration.ofSeconds(5));
    }

    @AfterAll
    static void stopDns() throws IOException {
        dns.close();
    }

    @Test
    void hostsComeInPreferenceOrder() {
        assertThat(names(resolver.resolve("sorted.test")))
                .containsExactly("a.sorted.test", "b.sorted.test", "c.sorted.test");
        assertThat(hosts(resolver.resolve("sorted.test")))
                .extracting(MailHost::preference)
                .containsExactly(10, 20, 30);
    }

    @Test
    void equalPreferencesAreTriedInRandomOrder() {
        Set<List<String>> orders = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            orders.add(names(resolver.resolve("equal.test")));
        }
        // Both orders of the two equal hosts appear (chance of missing one: 2 in 2^50); the
        // less preferred host stays last.
        assertThat(orders).containsExactlyInAnyOrder(
                List.of("x.equal.test", "y.equal.test", "z.equal.test"),
                List.of("y.equal.test", "x.equal.test", "z.equal.test"));
    }

    @Test
    void aDomainWithoutMxIsItsOwnImplicitMx() throws Exception {
        assertThat(resolver.resolve("implicit.test")).isEqualTo(new Resolution.Hosts(List.of(
                new MailHost("implicit.test", 0, List.of(InetAddress.getByName("127.0.0.3"))))));
    }

    @Test
    void aCachedNoDataStillGivesTheImplicitMx() throws Exception {
        var expected = new Resolution.Hosts(List.of(
                new MailHost("cached.test", 0, List.of(InetAddress.getByName("127.0.0.7")))));

        // First answer fresh from dnsmasq (an empty result), second from dnsjava's negative cache
        // (dnsjava 3.6.3 throws NoSuchRRSetException there).
        assertThat(resolver.resolve("cached.test")).isEqualTo(expected);
        assertThat(resolver.resolve("cached.test")).isEqualTo(expected);

        assertThat(dns.queriesSeen("MX", "cached.test")).isEqualTo(1);
        assertThat(dns.queriesSeen("A", "cached.test")).isEqualTo(1);
    }

    @Test
    void aNullMxRefusesAllMail() {
        assertThat(resolver.resolve("null.test")).isEqualTo(new Resolution.NullMx());
    }

    @Test
    void anUnknownDomainIsPermanent() throws IOException {
        assertThat(resolver.resolve("missing.test")).isEqualTo(new Resolution.NoSuchDomain());
        assertThat(resolver.resolve("missing.test")).isEqualTo(new Resolution.NoSuchDomain());
        assertThat(dns.queriesSeen("MX", "missing.test")).as("NXDOMAIN is cached").isEqualTo(1);
    }

    @Test
    void ipv4AddressesComeBeforeIpv6() throws Exception {
        assertThat(hosts(resolver.resolve("dual.test")).getFirst().addresses()).containsExactly(
                InetAddress.getByName("127.0.0.4"), InetAddress.getByName("::1"));
    }

    @Test
    void mailHostsWithoutAddressesAreDropped() {
        assertThat(names(resolver.resolve("partial.test"))).containsExactly("mx.partial.test");
    }

    @Test
    void whenEveryMailHostIsNxDomainTheDomainCannotReceiveMail() {
        assertThat(resolver.resolve("dangling.test")).isEqualTo(new Resolution.NoSuchDomain());
    }

    @Test
    void mailHostsThatExistWithoutAddressesAreTemporary() {
        assertThat(resolver.resolve("addressless.test"))
                .isInstanceOfSatisfying(Resolution.TemporaryFailure.class, failure ->
                        assertThat(failure.reason()).contains("txt.addressless.test"));
        assertThat(resolver.resolve("textonly.test")).isInstanceOf(Resolution.TemporaryFailure.class);
    }

    @Test
    void aRefusingResolverIsTemporary() {
        // dnsmasq is authoritative for test. only and REFUSES the rest.
        assertThat(resolver.resolve("elsewhere.invalid"))
                .isInstanceOfSatisfying(Resolution.TemporaryFailure.class, failure ->
                        assertThat(failure.reason()).contains("REFUSED"));
    }

    @Test
    void internationalizedDomainsAreAskedAsALabels() {
        assertThat(names(resolver.resolve("bücher.test"))).containsExactly("mx.xn--bcher-kva.test");
        assertThat(names(resolver.resolve("BÜCHER.test."))).containsExactly("mx.xn--bcher-kva.test");
    }

    @Test
    void textThatCannotBeADomainIsPermanent() {
        assertThat(resolver.resolve("bad domain.test")).isEqualTo(new Resolution.NoSuchDomain());
        assertThat(resolver.resolve("a".repeat(64) + ".test")).isEqualTo(new Resolution.NoSuchDomain());
        assertThat(resolver.resolve("")).isEqualTo(new Resolution.NoSuchDomain());
        assertThat(resolver.resolve("a..test")).isEqualTo(new Resolution.NoSuchDomain());
    }

    @Test
    void theLatencyHookSeesEveryResolution() {
        List<Long> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        var measured = MxResolver.create(List.of(dns.address()), Duration.ofSeconds(5), seen::add);
        measured.resolve("sorted.test");
        measured.resolve("bad domain.test");
        assertThat(seen).hasSize(2).allSatisfy(nanos -> assertThat(nanos).isPositive());
    }

    static List<MailHost> hosts(Resolution resolution) {
        assertThat(resolution).isInstanceOf(Resolution.Hosts.class);
        return ((Resolution.Hosts) resolution).hosts();
    }

    static List<String> names(Resolution resolution) {
        return hosts(resolution).stream().map(MailHost::name).toList();
    }
}
