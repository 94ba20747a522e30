package org.postloom.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.dns.DnsmasqServer;
import org.postloom.testing.Await;

/**
 * The crash loop of issue 7: a relay under load from many sessions, with its MX found in a real
 * DNS server and a real next hop taking its deliveries, is killed with SIGKILL at a random moment,
 * restarted on the same spool, and killed again, N times in a row (CI: 5; bench/campaign: 20 with
 * -Dproof.kills=20). At the end every message that got a 250 has reached the next hop at least
 * once; duplicates (the in-flight window of each kill) are counted and reported.
 */
@Tag("long")
class CrashLoopIT {

    private static final int SESSIONS = 32;
    private static final int KILLS = Integer.getInteger("proof.kills", 5);
    private static final String MX_HOST = "127.0.0.5";
    /** The survivor has delivered all it will once nothing new arrives for this long. */
    private static final Duration NO_PROGRESS = Duration.ofSeconds(30);

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
            RelayProcess survivor = relays.start(settings);        // the survivor delivers the rest
            Map<String, Integer> arrivals = awaitWhileProgressing(sink, acknowledged);

            Set<String> notArrived = new HashSet<>(acknowledged);
            notArrived.removeAll(arrivals.keySet());
            long stillQueued = 0;
            if (!notArrived.isEmpty()) {
                // Not arrived is not yet lost: what the spool still holds would be delivered later.
                survivor.close();
                try (SpoolContents spool = SpoolContents.open(settings.spoolDir())) {
                    Set<String> queued = spool.queueIds();
                    stillQueued = notArrived.stream().filter(queued::contains).count();
                }
            }
            long lost = notArrived.size() - stillQueued;
            long duplicated = acknowledged.stream().mapToInt(id -> arrivals.getOrDefault(id, 0)).filter(n -> n > 1)
                    .mapToLong(n -> n - 1).sum();
            ProofReport.of("crash-loop").with("kills", KILLS).with("acknowledged", acknowledged.size())
                    .with("arrived", acknowledged.size() - notArrived.size()).with("lost", lost)
                    .with("stuck_in_queue", stillQueued).with("duplicated", duplicated).print();
            assertThat(lost).as("acknowledged with 250, never delivered, and gone from the spool").isZero();
            assertThat(stillQueued).as("acknowledged, still queued, and no delivery for " + NO_PROGRESS).isZero();
            assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(20 * KILLS);
        }
    }

    /** Waits for every queue id to arrive, as long as arrivals keep coming; returns the counts. */
    private static Map<String, Integer> awaitWhileProgressing(CapturingSink sink, Set<String> ids) throws InterruptedException {
        while (!sink.arrivalsByQueueId().keySet().containsAll(ids)) {
            int seen = sink.accepted.size();
            boolean progressed = Await.within(NO_PROGRESS,
                    () -> sink.accepted.size() > seen || sink.arrivalsByQueueId().keySet().containsAll(ids));
            if (!progressed) break;
        }
        return sink.arrivalsByQueueId();
    }
}
