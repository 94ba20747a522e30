package org.postloom.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.dns.DnsmasqServer;

/**
 * The crash loop of issue 7: a relay under load from many sessions, with its MX found in a real
 * DNS server and a real next hop taking its deliveries, is killed with SIGKILL at a random moment,
 * restarted on the same spool, and killed again, N times in a row (CI: 5; bench/campaign: 20 with
 * -Dproof.kills=20). At the end every message that got a 250 has reached the next hop at least
 * once; duplicates (the in-flight window of each kill) are counted and reported.
 */
class CrashLoopIT {

    private static final int SESSIONS = 32;
    private static final int KILLS = Integer.getInteger("proof.kills", 5);
    private static final String MX_HOST = "127.0.0.5";

    @RegisterExtension
    final Relays relays = new Relays();

    @TempDir
    Path work;

    @Test
    void everyAcknowledgedMessageArrivesAfterRepeatedSigkills() throws Exception {
        Random random = new Random();
        try (DnsmasqServer dns = DnsmasqServer.start(60, "--mx-host=dest.test,mx.dest.test,10",
                "--host-record=mx.dest.test," + MX_HOST);
             CapturingSink sink = CapturingSink.start(MX_HOST, CapturingSink.ACCEPT_ALL)) {
            RelayProcess.Settings settings = FaultSettings.relayTo(work, dns, sink.port());
            Set<String> acknowledged = new HashSet<>();
            for (int kill = 1; kill <= KILLS; kill++) {
                RelayProcess relay = relays.start(settings);
                try (SendingClients clients = new SendingClients(relay.smtpPort(), SESSIONS)) {
                    clients.awaitAcknowledged(20);
                    Thread.sleep(200 + random.nextInt(1500));     // a random moment under load
                    relay.kill();
                    clients.awaitEnd();
                    acknowledged.addAll(clients.acknowledged);
                }
            }
            relays.start(settings);                                // the survivor delivers the rest
            Map<String, Integer> arrivals = FaultSettings.awaitArrivals(sink, acknowledged, Duration.ofSeconds(120));

            Set<String> lost = new HashSet<>(acknowledged);
            lost.removeAll(arrivals.keySet());
            long duplicated = acknowledged.stream().mapToInt(id -> arrivals.getOrDefault(id, 0)).filter(n -> n > 1)
                    .mapToLong(n -> n - 1).sum();
            ProofReport.of("crash-loop").with("kills", KILLS).with("acknowledged", acknowledged.size())
                    .with("arrived", acknowledged.size() - lost.size()).with("lost", lost.size())
                    .with("duplicated", duplicated).print();
            assertThat(lost).as("acknowledged with 250 but never delivered").isEmpty();
            assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(20 * KILLS);
        }
    }
}
