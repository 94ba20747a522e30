package org.postloom.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.delivery.client.ClientSettings;
import org.postloom.delivery.client.ClientTimeouts;
import org.postloom.delivery.client.Outcome;
import org.postloom.delivery.client.TlsPolicy;
import org.postloom.dns.Resolution;
import org.postloom.mail.DsnRequest;
import org.postloom.mail.Envelope;
import org.postloom.mail.Mailbox;
import org.postloom.mail.QueueId;
import org.postloom.mail.RecipientDsn;
import org.postloom.smtp.MemoryStore;
import org.postloom.smtp.RelayPolicy;
import org.postloom.smtp.SessionSettings;
import org.postloom.smtp.server.ConnectionLimits;
import org.postloom.smtp.server.ConnectionSettings;
import org.postloom.intake.Intake;
import org.postloom.smtp.server.SmtpMetrics;
import org.postloom.smtp.server.SmtpServer;
import org.postloom.smtp.server.TlsUpgrade;
import org.postloom.spool.RecipientState;
import org.postloom.spool.SpooledMessage;
import org.postloom.tls.KeyMaterial;
import org.postloom.tls.ServerTls;

/**
 * RFC 8689 5: under a policy that wants a verified certificate (require-verified-tls), a next hop
 * with a self-signed one holds mail back (4.7.5), except a message that says {@code TLS-Required: No};
 * REQUIRETLS overrides that header (RFC 8689 4.1).
 */
class TlsRequiredNoTest {

    @TempDir
    Path keys;

    @Test
    void theHeaderLetsAMessageThroughAVerifiedTlsPolicyUnlessItAlsoRequiresTls() throws Exception {
        MemoryStore arrived = new MemoryStore();
        SessionSettings remote = new SessionSettings("mx.strict.test", 1_000_000, 100, 10, true,
                RelayPolicy.of(List.of("127.0.0.0/8"), List.of()));
        TlsUpgrade tls = TlsUpgrade.with(ServerTls.of(KeyMaterial.loadOrCreate(Optional.empty(), Optional.empty(), keys,
                "mx.strict.test")));
        try (SmtpServer mx = new SmtpServer(List.of(new SmtpServer.Listener(new InetSocketAddress("127.0.4.30", 0), false)),
                remote, new ConnectionSettings(Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(5), 1000),
                ConnectionLimits.of(10), arrived, tls, Clock.systemUTC(), SmtpMetrics.none(), Intake.unsigned(arrived))) {
            mx.start();
            Map<QueueId, byte[]> bodies = new HashMap<>();
            ClientSettings strict = ClientSettings.defaults("courier.postloom.test")
                    .withTimeouts(ClientTimeouts.uniform(Duration.ofSeconds(5))).withTlsPolicy(TlsPolicy.REQUIRED_VERIFIED);
            SmtpTransport transport = new SmtpTransport(d -> new Resolution.TemporaryFailure("no DNS here"), 25, hop -> strict,
                    id -> new ByteArrayInputStream(bodies.get(id)), DeliveryMetrics.none(), "relay.test");
            NextHop hop = new NextHop.Fixed("127.0.4.30", mx.boundAddresses().getFirst().getPort());
            Parcel plain = item(bodies, hop, "Q1", "Subject: plain\r\n\r\nhi\r\n", false);
            Parcel optional = item(bodies, hop, "Q2", "Subject: optional\r\nTLS-Required:  no\r\n\r\nhi\r\n", false);
            Parcel both = item(bodies, hop, "Q3", "Subject: both\r\nTLS-Required: No\r\n\r\nhi\r\n", true);

            List<List<Outcome>> outcomes = new ArrayList<>();
            try (Transport.Session session = transport.open(hop, EgressSource.none("relay.test"))) {
                for (Parcel parcel : List.of(plain, optional, both)) outcomes.add(session.deliver(parcel).orElseThrow());
            }
            assertThat(outcomes.get(0)).singleElement().satisfies(o -> {
                assertThat(o).isInstanceOf(Outcome.Deferred.class);
                assertThat(o.reply().status()).isEqualTo("4.7.5");
            });
            assertThat(outcomes.get(1)).singleElement().isInstanceOf(Outcome.Delivered.class);
            assertThat(outcomes.get(2)).singleElement().satisfies(o -> assertThat(o.reply().status()).isEqualTo("4.7.5"));
            assertThat(arrived.committed()).singleElement().satisfies(s -> assertThat(s.text()).contains("Subject: optional"));
        }
    }

    private static Parcel item(Map<QueueId, byte[]> bodies, NextHop hop, String id, String content, boolean requireTls) {
        byte[] body = content.getBytes(StandardCharsets.US_ASCII);
        bodies.put(new QueueId(id), body);
        var envelope = new Envelope(new QueueId(id), new Mailbox("s", "sender.test"), List.of(new Mailbox("r", "strict.test")),
                Envelope.BodyType.SEVEN_BIT, false, Instant.now(), "test", "", DsnRequest.NONE, List.of(RecipientDsn.NONE),
                requireTls);
        return Parcel.of(new SpooledMessage(envelope, List.of(RecipientState.PENDING), body.length), List.of(0), hop);
    }
}
