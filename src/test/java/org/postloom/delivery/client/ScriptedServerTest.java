package org.postloom.delivery.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.postloom.delivery.client.TestMail.SETTINGS;
import static org.postloom.delivery.client.TestMail.all;
import static org.postloom.delivery.client.TestMail.body;
import static org.postloom.delivery.client.TestMail.envelope;
import static org.postloom.delivery.client.TestMail.message;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.postloom.delivery.client.Outcome.Scope;
import org.postloom.mail.Envelope;

/** Misbehaving servers, played by {@link ScriptedServer}. */
class ScriptedServerTest {

    @Test
    void aConnectionDroppedRightAfterTheFinalDotDefersTheMessage() throws Exception {
        AtomicReference<List<String>> data = new AtomicReference<>();
        try (ScriptedServer server = new ScriptedServer("127.0.0.30", peer -> {
            peer.greetAndAcceptUntil("DATA", "PIPELINING");
            peer.say("354 go ahead");
            data.set(peer.dataUntilDot());
            peer.socket.close(); // the message is taken, but the client never hears so
        }); OutboundConnection connection = OutboundConnection.open(server.address(), "scripted.test", SETTINGS)) {
            Envelope envelope = envelope("Q1", "a@example.test", "b@example.test");
            List<Outcome> outcomes = connection.send(envelope, all(envelope), body(message("x", ".dot\r\nhi\r\n")));
            assertThat(outcomes).hasSize(2).allSatisfy(o -> {
                assertThat(o).isInstanceOf(Outcome.Deferred.class);
                assertThat(o.scope()).isEqualTo(Scope.SITE);
                assertThat(o.reply().status()).isEqualTo("4.4.2");
            });
            assertThat(connection.isReusable()).isFalse();
            assertThat(data.get()).contains("..dot", "hi");
        }
    }

    @Test
    void aSilentServerTimesOutAsNoAnswer() throws Exception {
        try (ScriptedServer server = new ScriptedServer("127.0.0.31", peer -> peer.line())) {
            var quick = SETTINGS.withTimeouts(ClientTimeouts.uniform(Duration.ofMillis(300)));
            SiteFailure failure = catchThrowableOfType(SiteFailure.class,
                    () -> OutboundConnection.open(server.address(), "scripted.test", quick));
            assertThat(failure.outcome()).isInstanceOf(Outcome.Deferred.class);
            assertThat(failure.outcome().scope()).isEqualTo(Scope.SITE);
            assertThat(failure.outcome().reply().status()).isEqualTo("4.4.1");
            assertThat(failure.outcome().reply().lines().getFirst()).contains("greeting");
        }
    }

    @Test
    void a5xxGreetingFailsTheSite() throws Exception {
        try (ScriptedServer server = new ScriptedServer("127.0.0.32", peer -> {
            peer.say("554 5.7.1 go away");
            peer.line();
        })) {
            SiteFailure failure = catchThrowableOfType(SiteFailure.class,
                    () -> OutboundConnection.open(server.address(), "scripted.test", SETTINGS));
            assertThat(failure.outcome()).isInstanceOf(Outcome.Failed.class);
            assertThat(failure.outcome().scope()).isEqualTo(Scope.SITE);
            assertThat(failure.outcome().reply().status()).isEqualTo("5.7.1");
            assertThat(server.awaitReceived(1)).containsExactly("QUIT");
        }
    }

    /** The client side of CVE-2011-0411: what comes after 220 in clear text must not count as TLS. */
    @Test
    void dataInjectedAfterTheStartTlsReplyFailsTheSite() throws Exception {
        try (ScriptedServer server = new ScriptedServer("127.0.0.33", peer -> {
            peer.greetAndAcceptUntil("STARTTLS", "STARTTLS");
            peer.say("220 2.0.0 go ahead", "250 2.0.0 injected");
            peer.line();
        })) {
            SiteFailure failure = catchThrowableOfType(SiteFailure.class,
                    () -> OutboundConnection.open(server.address(), "scripted.test", SETTINGS));
            assertThat(failure.outcome().scope()).isEqualTo(Scope.SITE);
            assertThat(failure.outcome().reply().status()).isEqualTo("4.5.0");
        }
    }

    /** Opportunistic TLS that breaks in the handshake: a new connection in clear text, as Postfix does. */
    @Test
    void aBrokenHandshakeFallsBackToClearTextWhenOpportunistic() throws Exception {
        try (ScriptedServer server = new ScriptedServer("127.0.0.34", peer -> {
            if (peer.number == 1) {
                peer.greetAndAcceptUntil("STARTTLS", "STARTTLS");
                peer.say("220 2.0.0 go ahead");
                int clientHello = peer.socket.getInputStream().read(new byte[4096]); // then answer it badly
                peer.say("this is not TLS " + clientHello);
                peer.socket.close();
                return;
            }
            peer.greetAndAcceptUntil("DATA", "STARTTLS");
            peer.say("354 go");
            peer.dataUntilDot();
            peer.say("250 2.0.0 queued");
            peer.line();
        }); OutboundConnection connection = OutboundConnection.open(server.address(), "scripted.test", SETTINGS)) {
            assertThat(connection.tlsDescription()).isEmpty();
            Envelope envelope = envelope("Q1", "a@example.test");
            assertThat(connection.send(envelope, all(envelope), body(message("x", "hi\r\n"))))
                    .singleElement().isInstanceOf(Outcome.Delivered.class);
            assertThat(server.received()).containsSubsequence("STARTTLS", "EHLO courier.postloom.test", "MAIL FROM:<sender@postloom.test>");
        }
    }

    /** RFC 2920 3.1: DATA accepted although every RCPT failed: one dot, nothing else. */
    @Test
    void dataAcceptedWithNoValidRecipientGetsALoneDot() throws Exception {
        try (ScriptedServer server = new ScriptedServer("127.0.0.35", peer -> {
            peer.say("220 scripted.test ESMTP");
            peer.line();
            peer.say("250-scripted.test", "250 PIPELINING");
            peer.line();
            peer.line();
            peer.line();
            peer.say("250 2.1.0 ok", "550 5.1.1 no such user", "354 go ahead anyway");
            assertThat(peer.dataUntilDot()).isEmpty();
            peer.say("554 5.5.1 no valid recipients");
            assertThat(peer.line()).isEqualTo("RSET");
            peer.say("250 2.0.0 ok");
            peer.line();
        }); OutboundConnection connection = OutboundConnection.open(server.address(), "scripted.test", SETTINGS)) {
            Envelope envelope = envelope("Q1", "nobody@example.test");
            assertThat(connection.send(envelope, all(envelope), body(message("x", "secret\r\n"))))
                    .singleElement().satisfies(o -> {
                        assertThat(o).isInstanceOf(Outcome.Failed.class);
                        assertThat(o.reply().status()).isEqualTo("5.1.1");
                    });
            assertThat(connection.isReusable()).isTrue();
            connection.quit();
            assertThat(server.received()).doesNotContain("secret");
        }
    }
}
