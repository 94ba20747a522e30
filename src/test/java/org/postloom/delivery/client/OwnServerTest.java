package org.postloom.delivery.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.postloom.delivery.client.TestMail.SETTINGS;
import static org.postloom.delivery.client.TestMail.all;
import static org.postloom.delivery.client.TestMail.assertEach;
import static org.postloom.delivery.client.TestMail.body;
import static org.postloom.delivery.client.TestMail.envelope;
import static org.postloom.delivery.client.TestMail.message;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.delivery.client.Outcome.Scope;
import org.postloom.mail.Envelope;
import org.postloom.smtp.MemoryStore;

/** The client against Postloom's own server: STARTTLS, exact bodies, BDAT, folding, SIZE, mixed replies. */
class OwnServerTest {

    @TempDir
    static Path keys;

    /** Dots at line starts, a lone dot, a line of two dots, an empty line, 8-bit text. */
    private static final String TRICKY = message("dots", ".\r\n..\r\n.hidden\r\nline\r\n\r\n. dot space\r\nend .\r\ncaf\u00e9\r\n");

    @BeforeAll
    static void makeKeys() throws Exception {
        OwnServer.withStartTls("127.0.0.1", keys).close(); // creates the self-signed key material once
    }

    @Test
    void negotiatesTlsAndDeliversBodiesByteExactOverOneConnection() throws Exception {
        try (OwnServer server = OwnServer.withStartTls("127.0.0.20", keys);
             OutboundConnection connection = OutboundConnection.open(server.address(), OwnServer.NAME, SETTINGS)) {
            assertThat(connection.tlsDescription()).startsWith("TLSv1.3 TLS_AES_");
            assertThat(connection.capabilities().startTls()).as("EHLO again inside TLS").isFalse();
            assertThat(connection.capabilities().chunking()).isTrue();
            for (int i = 1; i <= 2; i++) {
                Envelope envelope = envelope("Q" + i, Envelope.BodyType.EIGHT_BIT_MIME, false, "a@example.test", "b@example.test");
                assertThat(connection.send(envelope, all(envelope), body(TRICKY)))
                        .hasSize(2).allSatisfy(o -> assertThat(o).isInstanceOf(Outcome.Delivered.class));
            }
            connection.quit();
            assertThat(server.store.committed()).hasSize(2).allSatisfy(stored -> {
                assertArrivedExactly(stored, TRICKY);
                assertThat(stored.envelope().body()).isEqualTo(Envelope.BodyType.EIGHT_BIT_MIME);
                assertThat(stored.envelope().tls()).isNotEmpty();
            });
        }
    }

    @Test
    void sendsWithBdatWhenAskedAndOffered() throws Exception {
        try (OwnServer server = OwnServer.plain("127.0.0.21");
             OutboundConnection connection = OutboundConnection.open(server.address(), OwnServer.NAME,
                     SETTINGS.withChunking(true).withTlsPolicy(TlsPolicy.NONE))) {
            String unterminated = TRICKY + "no final line end";
            Envelope envelope = envelope("Q1", "a@example.test");
            for (int i = 0; i < 2; i++) {
                assertThat(connection.send(envelope, all(envelope), body(unterminated)))
                        .singleElement().isInstanceOf(Outcome.Delivered.class);
            }
            assertThat(server.store.committed()).hasSize(2)
                    .allSatisfy(stored -> assertArrivedExactly(stored, unterminated + "\r\n"));
        }
    }

    @Test
    void foldsLongLinesSoThatNoneExceeds998Octets() throws Exception {
        String longLine = "x".repeat(5000);
        for (boolean chunking : new boolean[] {false, true}) {
            try (OwnServer server = OwnServer.plain("127.0.0.22");
                 OutboundConnection connection = OutboundConnection.open(server.address(), OwnServer.NAME,
                         SETTINGS.withChunking(chunking))) {
                Envelope envelope = envelope("Q1", "a@example.test");
                assertThat(connection.send(envelope, all(envelope), body(message("long", longLine + "\r\nafter\r\n"))))
                        .singleElement().isInstanceOf(Outcome.Delivered.class);
                String stored = server.store.committed().getFirst().text();
                assertThat(stored.split("\r\n")).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(998));
                String folded = stored.substring(stored.indexOf("xxx"), stored.indexOf("\r\nafter"));
                assertThat(folded.replace("\r\n ", "")).isEqualTo(longLine);
                assertThat(folded.split("\r\n")).extracting(String::length).containsExactly(998, 998, 998, 998, 998, 15);
            }
        }
    }

    @Test
    void requiredVerifiedTlsRefusesASelfSignedCertificate() throws Exception {
        try (OwnServer server = OwnServer.withStartTls("127.0.0.23", keys)) {
            SiteFailure failure = catchThrowableOfType(SiteFailure.class, () -> OutboundConnection.open(server.address(),
                    OwnServer.NAME, SETTINGS.withTlsPolicy(TlsPolicy.REQUIRED_VERIFIED)));
            assertThat(failure.outcome()).isInstanceOf(Outcome.Deferred.class);
            assertThat(failure.outcome().scope()).isEqualTo(Scope.SITE);
            assertThat(failure.outcome().reply().status()).isEqualTo("4.7.5");
            assertThat(server.store.committed()).isEmpty();
        }
    }

    @Test
    void requiredVerifiedTlsRefusesAServerWithoutStartTls() throws Exception {
        try (OwnServer server = OwnServer.plain("127.0.0.24")) {
            SiteFailure failure = catchThrowableOfType(SiteFailure.class, () -> OutboundConnection.open(server.address(),
                    OwnServer.NAME, SETTINGS.withTlsPolicy(TlsPolicy.REQUIRED_VERIFIED)));
            assertThat(failure.outcome()).isInstanceOf(Outcome.Deferred.class);
            assertThat(failure.outcome().scope()).isEqualTo(Scope.SITE);
            assertThat(failure.outcome().reply().status()).isEqualTo("4.7.4");
        }
    }

    @Test
    void aMessageOverTheServersSizeFailsBeforeAnythingIsSent() throws Exception {
        try (OwnServer server = OwnServer.plain("127.0.0.25");
             OutboundConnection connection = OutboundConnection.open(server.address(), OwnServer.NAME, SETTINGS)) {
            assertThat(connection.capabilities().sizeLimit()).isEqualTo(OwnServer.SIZE_LIMIT);
            Envelope envelope = envelope("Q1", "a@example.test", "b@example.test");
            String big = message("big", "y".repeat(500) + "\r\n").repeat(25);
            List<Outcome> outcomes = connection.send(envelope, all(envelope), body(big));
            assertEach(outcomes, Outcome.Failed.class, Scope.MESSAGE, "5.3.4");
            assertThat(connection.send(envelope, all(envelope), body(message("small", "ok\r\n"))))
                    .allSatisfy(o -> assertThat(o).isInstanceOf(Outcome.Delivered.class));
            assertThat(server.store.committed()).hasSize(1);
        }
    }

    /**
     * From 127.0.0.26 the server relays only to relay.test (554 5.7.1 otherwise) and takes 5
     * recipients (452 4.5.3 after): every kind of RCPT reply in one pipelined transaction.
     */
    @Test
    void judgesEachRecipientOnItsOwnReply() throws Exception {
        try (OwnServer server = OwnServer.plain("127.0.0.1");
             OutboundConnection connection = OutboundConnection.open(server.address(), OwnServer.NAME,
                     SETTINGS.withBindAddress(InetAddress.getByName("127.0.0.26")))) {
            Envelope envelope = envelope("Q1", "a@relay.test", "x@elsewhere.test", "b@relay.test", "c@relay.test",
                    "d@relay.test", "e@relay.test", "f@relay.test");
            List<Outcome> outcomes = connection.send(envelope, List.of(0, 1, 2, 3, 4, 5, 6), body(message("mixed", "hi\r\n")));
            assertThat(outcomes).extracting(o -> o.getClass().getSimpleName())
                    .containsExactly("Delivered", "Failed", "Delivered", "Delivered", "Delivered", "Delivered", "Deferred");
            assertThat(outcomes.get(1).scope()).isEqualTo(Scope.RECIPIENT);
            assertThat(outcomes.get(1).reply().status()).isEqualTo("5.7.1");
            assertThat(outcomes.get(6).scope()).isEqualTo(Scope.RECIPIENT);
            assertThat(outcomes.get(6).reply().status()).isEqualTo("4.5.3");
            assertThat(server.store.committed()).singleElement()
                    .satisfies(s -> assertThat(s.envelope().recipients()).hasSize(5));
        }
    }

    /** RFC 2920 3.1: DATA went in the group, every RCPT failed, the server refuses DATA with 503. */
    @Test
    void whenEveryPipelinedRcptFailsTheRefusedDataIsHandledAndTheConnectionStaysUsable() throws Exception {
        try (OwnServer server = OwnServer.plain("127.0.0.1");
             OutboundConnection connection = OutboundConnection.open(server.address(), OwnServer.NAME,
                     SETTINGS.withBindAddress(InetAddress.getByName("127.0.0.27")))) {
            assertThat(connection.capabilities().pipelining()).isTrue();
            Envelope refused = envelope("Q1", "x@elsewhere.test", "y@elsewhere.test");
            assertThat(connection.send(refused, all(refused), body(message("no", "hi\r\n")))).allSatisfy(o -> {
                assertThat(o).isInstanceOf(Outcome.Failed.class);
                assertThat(o.scope()).isEqualTo(Scope.RECIPIENT);
            });
            assertThat(connection.isReusable()).isTrue();
            Envelope accepted = envelope("Q2", "a@relay.test");
            assertThat(connection.send(accepted, all(accepted), body(message("yes", "hi\r\n"))))
                    .singleElement().isInstanceOf(Outcome.Delivered.class);
            assertThat(server.store.committed()).singleElement()
                    .satisfies(s -> assertThat(s.text()).contains("Subject: yes"));
        }
    }

    @Test
    void sendsSmtpUtf8WhenTheMessageNeedsItAndTheServerOffersIt() throws Exception {
        try (OwnServer server = OwnServer.plain("127.0.0.28");
             OutboundConnection connection = OutboundConnection.open(server.address(), OwnServer.NAME, SETTINGS)) {
            Envelope envelope = envelope("Q1", Envelope.BodyType.EIGHT_BIT_MIME, true, "jörg@example.test");
            assertThat(connection.send(envelope, all(envelope), body(message("utf8", "grüße\r\n"))))
                    .singleElement().isInstanceOf(Outcome.Delivered.class);
            assertThat(server.store.committed()).singleElement().satisfies(s -> {
                assertThat(s.envelope().smtpUtf8()).isTrue();
                assertThat(s.envelope().recipients().getFirst().localPart()).isEqualTo("jörg");
            });
        }
    }

    /** The server put its Received header in front; everything after it is what we sent. */
    private static void assertArrivedExactly(MemoryStore.Stored stored, String sent) {
        byte[] expected = sent.getBytes(StandardCharsets.UTF_8);
        byte[] body = stored.body();
        assertThat(new String(body, 0, 9, StandardCharsets.US_ASCII)).isEqualTo("Received:");
        byte[] tail = java.util.Arrays.copyOfRange(body, body.length - expected.length, body.length);
        assertThat(new String(tail, StandardCharsets.UTF_8)).isEqualTo(sent);
        String header = new String(body, 0, body.length - expected.length, StandardCharsets.UTF_8);
        assertThat(header).endsWith("\r\n").doesNotContain("Subject:");
    }
}
