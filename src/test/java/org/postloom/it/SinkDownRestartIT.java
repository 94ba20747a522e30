package org.postloom.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.dns.DnsmasqServer;

/** Mail accepted while the next hop is down, the relay stopped (SIGTERM), the next hop back, the relay restarted: all delivered. */
class SinkDownRestartIT {

    private static final String MX_HOST = "127.0.0.7";
    private static final int MESSAGES = 40;

    @RegisterExtension
    final Relays relays = new Relays();

    @TempDir
    Path work;

    @Test
    void mailQueuedWhileTheNextHopWasDownIsDeliveredAfterARestart() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName(MX_HOST))) {
            port = probe.getLocalPort();                            // nobody listens there yet
        }
        try (DnsmasqServer dns = DnsmasqServer.start(60, "--mx-host=dest.test,mx.dest.test,10",
                "--host-record=mx.dest.test," + MX_HOST)) {
            RelayProcess.Settings settings = FaultSettings.relayTo(work, dns, port);
            RelayProcess relay = relays.start(settings);
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < MESSAGES; i++) {
                ids.add(MessageSender.send(relay.smtpPort(), "s@sender.test", List.of("r" + i + "@dest.test"),
                        "Message-ID: <down" + i + "@sender.test>\r\nSubject: down\r\n\r\nbody " + i + "\r\n"));
            }
            relay.awaitLogLines("deferred id=", MESSAGES, Duration.ofSeconds(20));
            relay.close();

            try (CapturingSink sink = CapturingSink.start(MX_HOST, port, CapturingSink.ACCEPT_ALL)) {
                RelayProcess restarted = relays.start(settings);
                assertThat(restarted.recoveredAtStart()).isEqualTo(MESSAGES);
                Map<String, Integer> arrivals = FaultSettings.awaitArrivals(sink, ids, Duration.ofSeconds(60));
                Set<String> lost = new HashSet<>(ids);
                lost.removeAll(arrivals.keySet());
                ProofReport.of("sink-down-restart").with("acknowledged", MESSAGES).with("arrived", MESSAGES - lost.size())
                        .with("lost", lost.size()).with("duplicated", arrivals.values().stream().mapToInt(n -> n - 1).sum()).print();
                assertThat(lost).isEmpty();
            }
        }
    }
}
