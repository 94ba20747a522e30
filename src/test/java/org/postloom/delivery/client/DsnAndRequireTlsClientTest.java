package org.postloom.delivery.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.postloom.delivery.client.TestMail.SETTINGS;
import static org.postloom.delivery.client.TestMail.all;
import static org.postloom.delivery.client.TestMail.body;
import static org.postloom.delivery.client.TestMail.message;

import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.mail.DsnRequest;
import org.postloom.mail.Envelope;
import org.postloom.mail.Mailbox;
import org.postloom.mail.QueueId;
import org.postloom.mail.RecipientDsn;
import org.postloom.mail.RecipientDsn.Notify;
import org.postloom.tls.ClientTls;
import org.postloom.tls.KeyMaterial;

/**
 * The client passes the DSN parameters on (RFC 3461 5.2.1) and keeps REQUIRETLS (RFC 8689 4.2.1),
 * against Postfix's smtp-sink (with and without DSN, never with STARTTLS) and Postloom's own
 * server with STARTTLS, which offers REQUIRETLS inside TLS.
 */
class DsnAndRequireTlsClientTest {

    @TempDir
    Path work;

    static Envelope withDsn(boolean requireTls) {
        List<Mailbox> rcpts = List.of(TestMail.mailbox("b@example.test"), TestMail.mailbox("c@example.test"));
        return new Envelope(new QueueId("D1"), TestMail.mailbox("sender@postloom.test"), rcpts, Envelope.BodyType.SEVEN_BIT,
                false, Instant.parse("2025-01-01T00:00:00Z"), "client.test [127.0.0.1]", "",
                new DsnRequest(DsnRequest.Return.HDRS, "QQ+2B314+3Dx"),
                List.of(new RecipientDsn(Set.of(Notify.SUCCESS, Notify.DELAY), "rfc822;B+40Example.test"), RecipientDsn.NONE),
                requireTls);
    }

    @Test
    void theParametersTravelOnAsReceivedWhenTheNextHopOffersDsn() throws Exception {
        try (SmtpSink sink = SmtpSink.start("127.0.4.1", work);
             OutboundConnection connection = OutboundConnection.open(sink.address(), "sink.test", SETTINGS)) {
            assertThat(connection.capabilities().dsn()).isTrue();
            Envelope envelope = withDsn(false);
            List<Outcome> outcomes = connection.send(envelope, all(envelope), body(message("dsn", "hello\r\n")));
            assertThat(outcomes).allSatisfy(o -> assertThat(o).isEqualTo(new Outcome.Delivered(o.reply(), true)));
            connection.quit();
            String dump = sink.messages().getFirst();
            assertThat(dump).contains("X-Mail-Args: <sender@postloom.test> RET=HDRS ENVID=QQ+2B314+3Dx\n");
            assertThat(dump).contains("X-Rcpt-Args: <b@example.test> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;B+40Example.test\n")
                    .contains("X-Rcpt-Args: <c@example.test>\n");
        }
    }

    @Test
    void withoutDsnAtTheNextHopNothingIsPassedAndTheDeliveryIsMarkedRelayed() throws Exception {
        try (SmtpSink sink = SmtpSink.start("127.0.4.2", work, "-N");
             OutboundConnection connection = OutboundConnection.open(sink.address(), "sink.test", SETTINGS)) {
            assertThat(connection.capabilities().dsn()).isFalse();
            Envelope envelope = withDsn(false);
            List<Outcome> outcomes = connection.send(envelope, all(envelope), body(message("dsn", "hello\r\n")));
            assertThat(outcomes).allSatisfy(o -> assertThat(o).isEqualTo(new Outcome.Delivered(o.reply(), false)));
            connection.quit();
            String dump = sink.messages().getFirst();
            assertThat(dump).doesNotContain("RET=").doesNotContain("ENVID=").doesNotContain("NOTIFY=").doesNotContain("ORCPT=");
        }
    }

    @Test
    void requireTlsFailsWithoutStartTlsAndNothingIsSent() throws Exception {
        try (SmtpSink sink = SmtpSink.start("127.0.4.3", work);
             OutboundConnection connection = OutboundConnection.open(sink.address(), "sink.test", SETTINGS)) {
            Envelope envelope = withDsn(true);
            List<Outcome> outcomes = connection.send(envelope, all(envelope), body(message("secret", "hello\r\n")));
            TestMail.assertEach(outcomes, Outcome.Failed.class, Outcome.Scope.MESSAGE, "5.7.30");
            assertThat(outcomes.getFirst().reply().toString()).contains("not encrypted");
            assertThat(connection.isReusable()).as("no command was sent").isTrue();
            connection.quit();
            assertThat(sink.messages()).isEmpty();
        }
    }

    @Test
    void requireTlsFailsOverTlsToAServerWhoseCertificateWasNotVerified() throws Exception {
        try (OwnServer server = OwnServer.withStartTls("127.0.4.4", work);
             OutboundConnection connection = OutboundConnection.open(server.address(), OwnServer.NAME, SETTINGS)) {
            assertThat(connection.tlsDescription()).startsWith("TLSv1.3");
            assertThat(connection.capabilities().requireTls()).isTrue();
            Envelope envelope = withDsn(true);
            List<Outcome> outcomes = connection.send(envelope, all(envelope), body(message("secret", "hello\r\n")));
            TestMail.assertEach(outcomes, Outcome.Failed.class, Outcome.Scope.MESSAGE, "5.7.30");
            assertThat(outcomes.getFirst().reply().toString()).contains("not authenticated");
            assertThat(server.store.committed()).isEmpty();
        }
    }

    @Test
    void requireTlsGoesOverVerifiedTlsToAServerOfferingItWithEveryParameterKept() throws Exception {
        try (OwnServer server = OwnServer.withStartTls("127.0.4.5", work);
             OutboundConnection connection = OutboundConnection.open(server.address(), OwnServer.NAME, verified(work))) {
            assertThat(connection.serverAuthenticated()).isTrue();
            Envelope envelope = withDsn(true);
            List<Outcome> outcomes = connection.send(envelope, all(envelope), body(message("secret", "hello\r\n")));
            assertThat(outcomes).allSatisfy(o -> assertThat(o).isInstanceOf(Outcome.Delivered.class));
            Envelope arrived = server.store.committed().getFirst().envelope();
            assertThat(arrived.requireTls()).isTrue();
            assertThat(arrived.dsn()).isEqualTo(envelope.dsn());
            assertThat(arrived.recipientDsn()).isEqualTo(envelope.recipientDsn());
            assertThat(arrived.tls()).startsWith("version=TLSv1.3");
        }
    }

    /** REQUIRED_VERIFIED trusting the self-signed certificate OwnServer made in {@code keys}. */
    static ClientSettings verified(Path keys) throws Exception {
        var material = KeyMaterial.loadOrCreate(Optional.empty(), Optional.empty(), keys, OwnServer.NAME);
        var store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setCertificateEntry("peer", material.certificate());
        return SETTINGS.withTlsPolicy(TlsPolicy.REQUIRED_VERIFIED).withVerifier(ClientTls.verifying(store));
    }
}
