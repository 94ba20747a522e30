package org.postloom.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.dns.DnsmasqServer;
import org.postloom.testing.Await;

/**
 * A crash in the middle of delivering a multi-recipient message: the next hop takes two of four
 * recipients and defers the others; the retry for those two stalls after the final dot and the
 * relay is killed right then. After the restart the deferred two arrive, and the two delivered
 * before the crash are never offered again.
 */
class MultiRecipientCrashIT {

    private static final String MX_HOST = "127.0.0.6";
    private static final List<String> RECIPIENTS = List.of("a@dest.test", "b@dest.test", "c@dest.test", "d@dest.test");

    @RegisterExtension
    final Relays relays = new Relays();

    @TempDir
    Path work;

    @Test
    void recipientsDeliveredBeforeACrashAreNotSentAgain() throws Exception {
        try (DnsmasqServer dns = DnsmasqServer.start(60, "--mx-host=dest.test,mx.dest.test,10",
                "--host-record=mx.dest.test," + MX_HOST);
             CapturingSink sink = CapturingSink.start(MX_HOST, new CapturingSink.Policy() {
                 @Override
                 public String rcpt(String address, int transaction) {
                     return address.startsWith("b@") || address.startsWith("d@") ? "450 4.2.1 Mailbox busy" : "250 2.1.5 Ok";
                 }
             })) {
            RelayProcess.Settings settings = FaultSettings.relayTo(work, dns, sink.port());
            RelayProcess relay = relays.start(settings);
            MessageSender.send(relay.smtpPort(), "s@sender.test", RECIPIENTS,
                    "Message-ID: <multi@sender.test>\r\nSubject: four\r\n\r\nbody\r\n");
            relay.awaitLogLines("deferred id=", 2, Duration.ofSeconds(20));
            assertThat(relay.logLines("delivered id=")).hasSize(2);

            sink.policy(new CapturingSink.Policy() {               // the retry: all taken, then a stall
                @Override
                public CapturingSink.AfterDot afterDot(CapturingSink.Delivery delivery, int transaction) {
                    return CapturingSink.AfterDot.STALL;
                }
            });
            Await.within(Duration.ofSeconds(20), () -> sink.stalled.get() > 0);
            assertThat(sink.stalled.get()).as("the retry reached the final dot").isEqualTo(1);
            relay.kill();                                           // mid-delivery

            sink.policy(CapturingSink.ACCEPT_ALL);
            RelayProcess restarted = relays.start(settings);
            assertThat(restarted.recoveredAtStart()).isEqualTo(1);
            Await.within(Duration.ofSeconds(30), () -> sink.arrivalsByRecipient().size() >= 4);

            Map<String, Integer> arrivals = sink.arrivalsByRecipient();
            ProofReport.of("multi-recipient-crash").with("recipients", 4).with("arrived", arrivals.size())
                    .with("lost", 4 - arrivals.size())
                    .with("duplicated", arrivals.values().stream().mapToInt(n -> n - 1).sum()).print();
            assertThat(arrivals).as("each recipient exactly once").containsOnlyKeys(
                    RECIPIENTS.stream().map(r -> r + " multi@sender.test").toArray(String[]::new)).allSatisfy((k, n) -> assertThat(n).isEqualTo(1));
            assertThat(sink.rcptsOffered.stream().filter(r -> r.startsWith("a@") || r.startsWith("c@")))
                    .as("RCPT for the recipients delivered before the crash").hasSize(2);
        }
    }
}
