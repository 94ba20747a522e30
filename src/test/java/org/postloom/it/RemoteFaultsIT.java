package org.postloom.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.dns.DnsmasqServer;
import org.postloom.testing.Await;

/**
 * Next hops and DNS that misbehave, all at once, each for its own domain: 421/450 to a share of
 * transactions, a connection dropped right after the final dot, a STARTTLS that breaks, an MX
 * lookup that times out, one that answers SERVFAIL, and a recipient refused for good. The relay
 * defers, retries, and in the end every recipient is delivered or bounced to its sender.
 *
 * <p>Not covered here: a next hop that stalls for minutes. Only the connect timeout is a setting
 * (postloom.delivery.connect-timeout); the greeting, command, data and final-dot timeouts are
 * fixed at RFC 5321's minutes, so a CI test cannot wait for them.
 */
class RemoteFaultsIT {

    private static final int PER_DOMAIN = 6;
    private static final String FLAKY = "127.0.0.8";
    private static final String DROPPING = "127.0.0.9";
    private static final String BAD_TLS = "127.0.0.10";

    @RegisterExtension
    final Relays relays = new Relays();

    @TempDir
    Path work;

    @Test
    void everyRecipientIsDeliveredOrBouncedDespiteRemoteFaults() throws Exception {
        Set<String> droppedOnce = ConcurrentHashMap.newKeySet();
        try (DnsmasqServer dnsmasq = DnsmasqServer.start(1,
                "--mx-host=flaky.test,mx.flaky.test,10", "--host-record=mx.flaky.test," + FLAKY,
                "--mx-host=sender.test,mx.flaky.test,10",
                "--mx-host=drop.test,mx.drop.test,10", "--host-record=mx.drop.test," + DROPPING,
                "--mx-host=badtls.test,mx.badtls.test,10", "--host-record=mx.badtls.test," + BAD_TLS,
                "--mx-host=timeout.test,mx.flaky.test,10", "--mx-host=servfail.test,mx.flaky.test,10");
             FaultyDns dns = FaultyDns.inFrontOf(dnsmasq.address())
                     .dropFirstMxQueries("timeout.test", 1).servfailFirstMxQueries("servfail.test", 3);
             CapturingSink flaky = CapturingSink.start(FLAKY, new CapturingSink.Policy() {
                 @Override
                 public String mail(int transaction) {
                     return switch (transaction % 3) {
                         case 0 -> "450 4.3.2 Busy, try later";
                         case 1 -> "421 4.3.0 Closing, try later";
                         default -> "250 2.1.0 Ok";
                     };
                 }

                 @Override
                 public String rcpt(String address, int transaction) {
                     return address.startsWith("gone") ? "550 5.1.1 No such user" : "250 2.1.5 Ok";
                 }
             });
             CapturingSink dropping = CapturingSink.start(DROPPING, flaky.port(), new CapturingSink.Policy() {
                 @Override
                 public CapturingSink.AfterDot afterDot(CapturingSink.Delivery delivery, int transaction) {
                     return droppedOnce.add(delivery.messageId()) ? CapturingSink.AfterDot.DROP : CapturingSink.AfterDot.ACCEPT;
                 }
             });
             CapturingSink badTls = CapturingSink.start(BAD_TLS, flaky.port(), new CapturingSink.Policy() {
                 @Override
                 public boolean brokenStartTls() {
                     return true;
                 }
             })) {
            RelayProcess relay = relays.start(FaultSettings.relayTo(work, dns.address(), flaky.port()));
            List<String> delivered = new ArrayList<>();
            List<String> bounced = new ArrayList<>();
            for (String domain : List.of("flaky.test", "drop.test", "badtls.test", "timeout.test", "servfail.test")) {
                for (int i = 0; i < PER_DOMAIN; i++) {
                    delivered.add(MessageSender.send(relay.smtpPort(), "s@sender.test", List.of("r" + i + "@" + domain),
                            "Message-ID: <" + domain + i + "@sender.test>\r\nSubject: faults\r\n\r\nbody\r\n"));
                }
            }
            for (int i = 0; i < PER_DOMAIN; i++) {
                MessageSender.send(relay.smtpPort(), "s@sender.test", List.of("gone" + i + "@flaky.test"),
                        "Message-ID: <gone" + i + "@sender.test>\r\nSubject: refused\r\n\r\nbody\r\n");
                bounced.add("gone" + i + "@flaky.test");
            }

            Await.within(Duration.ofSeconds(90), () -> missing(delivered, bounced, flaky, dropping, badTls).isEmpty());
            List<String> missing = missing(delivered, bounced, flaky, dropping, badTls);
            int arrived = flaky.arrivalsByQueueId().size() + dropping.arrivalsByQueueId().size() + badTls.arrivalsByQueueId().size();
            ProofReport.of("remote-faults").with("faults", "421/450-share,drop-after-dot,broken-starttls,dns-timeout,dns-servfail,550")
                    .with("acknowledged", delivered.size() + bounced.size()).with("delivered", arrived)
                    .with("bounced", bounced.size() - missing.stream().filter(m -> m.startsWith("bounce")).count())
                    .with("lost", missing.size()).with("dropped_after_dot", dropping.dropped.get())
                    .with("duplicated", duplicates(flaky) + duplicates(dropping) + duplicates(badTls))
                    .with("broken_handshakes", badTls.brokenHandshakes.get()).with("dns_timeouts", dns.dropped.get()).with("dns_servfails", dns.servfails.get()).print();
            assertThat(missing).as("neither delivered nor bounced").isEmpty();
            assertThat(badTls.brokenHandshakes.get()).as("TLS was tried, failed, and clear text used").isPositive();
        }
    }

    private static List<String> missing(List<String> delivered, List<String> bounced, CapturingSink... sinks) {
        List<String> out = new ArrayList<>();
        for (String id : delivered) {
            boolean arrived = false;
            for (CapturingSink s : sinks) arrived |= s.arrivalsByQueueId().containsKey(id);
            if (!arrived) out.add("delivery " + id);
        }
        for (String rcpt : bounced) {
            boolean dsn = sinks[0].accepted.stream().anyMatch(d -> d.recipients().contains("s@sender.test")
                    && d.content().contains("Final-Recipient: rfc822; " + rcpt));
            if (!dsn) out.add("bounce " + rcpt);
        }
        return out;
    }

    private static int duplicates(CapturingSink sink) {
        return sink.arrivalsByQueueId().values().stream().mapToInt(n -> n - 1).sum();
    }
}
