package org.postloom.delivery.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.postloom.delivery.client.TestMail.SETTINGS;
import static org.postloom.delivery.client.TestMail.all;
import static org.postloom.delivery.client.TestMail.assertEach;
import static org.postloom.delivery.client.TestMail.body;
import static org.postloom.delivery.client.TestMail.envelope;
import static org.postloom.delivery.client.TestMail.message;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.delivery.client.Outcome.Scope;
import org.postloom.mail.Envelope;

/** The client against Postfix's smtp-sink, each test on its own loopback address. */
class SmtpSinkTest {

    @TempDir
    Path work;

    @Test
    void carriesSeveralMessagesOverOnePipelinedConnection() throws Exception {
        try (SmtpSink sink = SmtpSink.start("127.0.0.2", work);
             OutboundConnection connection = OutboundConnection.open(sink.address(), "sink.test", SETTINGS)) {
            assertThat(connection.capabilities().pipelining()).isTrue();
            assertThat(connection.tlsDescription()).isEmpty();
            for (int i = 1; i <= 3; i++) {
                Envelope envelope = envelope("Q" + i, "a@example.test", "b@example.test");
                List<Outcome> outcomes = connection.send(envelope, all(envelope), body(message("number " + i, "hello\r\n")));
                assertThat(outcomes).hasSize(2).allSatisfy(o -> assertThat(o).isInstanceOf(Outcome.Delivered.class));
                assertThat(connection.isReusable()).isTrue();
            }
            connection.quit();
            assertThat(connection.isReusable()).isFalse();
            assertThat(sink.messages()).hasSize(3)
                    .allSatisfy(m -> assertThat(m).contains("X-Rcpt-Args: <a@example.test>", "X-Rcpt-Args: <b@example.test>"))
                    .anySatisfy(m -> assertThat(m).contains("Subject: number 3"));
        }
    }

    @Test
    void withoutPipeliningSendsCommandByCommand() throws Exception {
        try (SmtpSink sink = SmtpSink.start("127.0.0.3", work, "-p");
             OutboundConnection connection = OutboundConnection.open(sink.address(), "sink.test", SETTINGS)) {
            assertThat(connection.capabilities().pipelining()).isFalse();
            for (int i = 1; i <= 2; i++) {
                Envelope envelope = envelope("Q" + i, "a@example.test", "b@example.test");
                assertThat(connection.send(envelope, all(envelope), body(message("plain " + i, "hi\r\n"))))
                        .allSatisfy(o -> assertThat(o).isInstanceOf(Outcome.Delivered.class));
            }
            connection.quit();
            assertThat(sink.messages()).hasSize(2);
        }
    }

    @Test
    void withoutEsmtpFallsBackToHelo() throws Exception {
        try (SmtpSink sink = SmtpSink.start("127.0.0.4", work, "-f", "EHLO");
             OutboundConnection connection = OutboundConnection.open(sink.address(), "sink.test", SETTINGS)) {
            assertThat(connection.capabilities()).isEqualTo(Capabilities.NONE);
            Envelope envelope = envelope("Q1", "a@example.test");
            assertThat(connection.send(envelope, all(envelope), body(message("helo", "hi\r\n"))))
                    .singleElement().isInstanceOf(Outcome.Delivered.class);
            assertThat(sink.messages().getFirst()).contains("X-Client-Proto: SMTP", "X-Mail-Args: <sender@postloom.test>\n");
        }
    }

    @Test
    void transientRcptRefusalDefersTheRecipientsAndTheConnectionGoesOn() throws Exception {
        try (SmtpSink sink = SmtpSink.start("127.0.0.5", work, "-r", "RCPT");
             OutboundConnection connection = OutboundConnection.open(sink.address(), "sink.test", SETTINGS)) {
            Envelope envelope = envelope("Q1", "a@example.test", "b@example.test");
            List<Outcome> outcomes = connection.send(envelope, all(envelope), body(message("x", "hi\r\n")));
            assertEach(outcomes, Outcome.Deferred.class, Scope.RECIPIENT, "4.3.0");
            assertThat(outcomes).hasSize(2).allSatisfy(o -> assertThat(o.reply().code()).isEqualTo(450));
            assertThat(connection.isReusable()).as("RSET cleared the transaction").isTrue();
            assertThat(connection.send(envelope, all(envelope), body(message("x", "hi\r\n"))))
                    .allSatisfy(o -> assertThat(o).isInstanceOf(Outcome.Deferred.class));
            assertThat(sink.messages()).isEmpty();
        }
    }

    @Test
    void permanentRcptRefusalFailsTheRecipientsAndSendsNoData() throws Exception {
        try (SmtpSink sink = SmtpSink.start("127.0.0.6", work, "-f", "RCPT");
             OutboundConnection connection = OutboundConnection.open(sink.address(), "sink.test", SETTINGS)) {
            Envelope envelope = envelope("Q1", "a@example.test", "b@example.test");
            List<Outcome> outcomes = connection.send(envelope, all(envelope), body(message("x", "hi\r\n")));
            assertEach(outcomes, Outcome.Failed.class, Scope.RECIPIENT, "5.3.0");
            assertThat(connection.isReusable()).isTrue();
            assertThat(sink.messages()).isEmpty();
        }
    }

    @Test
    void permanentMailRefusalFailsTheWholeMessage() throws Exception {
        try (SmtpSink sink = SmtpSink.start("127.0.0.7", work, "-f", "MAIL");
             OutboundConnection connection = OutboundConnection.open(sink.address(), "sink.test", SETTINGS)) {
            Envelope envelope = envelope("Q1", "a@example.test", "b@example.test", "c@example.test");
            List<Outcome> outcomes = connection.send(envelope, all(envelope), body(message("x", "hi\r\n")));
            assertEach(outcomes, Outcome.Failed.class, Scope.MESSAGE, "5.3.0");
            assertThat(outcomes).hasSize(3).allSatisfy(o -> assertThat(o.reply().code()).isEqualTo(500));
            assertThat(connection.isReusable()).isTrue();
        }
    }

    @Test
    void greetingWith421DefersTheSite() throws Exception {
        try (SmtpSink sink = SmtpSink.start("127.0.0.8", work, "-Q", "CONNECT")) {
            SiteFailure failure = catchThrowableOfType(SiteFailure.class,
                    () -> OutboundConnection.open(sink.address(), "sink.test", SETTINGS));
            assertThat(failure.outcome()).isInstanceOf(Outcome.Deferred.class);
            assertThat(failure.outcome().scope()).isEqualTo(Scope.SITE);
            assertThat(failure.outcome().reply().code()).isEqualTo(421);
        }
    }

    @Test
    void aClosedPortDefersTheSite() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.9"))) {
            port = probe.getLocalPort();
        }
        SiteFailure failure = catchThrowableOfType(SiteFailure.class,
                () -> OutboundConnection.open(new InetSocketAddress("127.0.0.9", port), "closed.test", SETTINGS));
        assertThat(failure.outcome()).isInstanceOf(Outcome.Deferred.class);
        assertThat(failure.outcome().scope()).isEqualTo(Scope.SITE);
        assertThat(failure.outcome().reply().status()).isEqualTo("4.4.1");
        assertThat(failure.outcome().reply().lines().getFirst()).contains("Connection refused", "127.0.0.9");
    }

    @Test
    void aMessageThatNeedsSmtpUtf8FailsWithoutItAndNothingIsSent() throws Exception {
        try (SmtpSink sink = SmtpSink.start("127.0.0.10", work);
             OutboundConnection connection = OutboundConnection.open(sink.address(), "sink.test", SETTINGS)) {
            assertThat(connection.capabilities().smtpUtf8()).isFalse();
            Envelope envelope = envelope("Q1", Envelope.BodyType.EIGHT_BIT_MIME, true, "jörg@example.test", "b@example.test");
            List<Outcome> outcomes = connection.send(envelope, all(envelope), body(message("ü", "grüße\r\n")));
            assertEach(outcomes, Outcome.Failed.class, Scope.MESSAGE, "5.6.7");
            assertThat(connection.isReusable()).isTrue();
            Envelope ascii = envelope("Q2", Envelope.BodyType.EIGHT_BIT_MIME, false, "b@example.test");
            assertThat(connection.send(ascii, all(ascii), body(message("8bit", "grüße\r\n"))))
                    .singleElement().isInstanceOf(Outcome.Delivered.class);
            assertThat(sink.messages()).singleElement().satisfies(m -> assertThat(m).contains("BODY=8BITMIME"));
        }
    }

    @Test
    void withoutEightBitMimeTheBodyGoesAsItIsWithoutBodyParameter() throws Exception {
        try (SmtpSink sink = SmtpSink.start("127.0.0.11", work, "-8");
             OutboundConnection connection = OutboundConnection.open(sink.address(), "sink.test", SETTINGS)) {
            Envelope envelope = envelope("Q1", Envelope.BodyType.EIGHT_BIT_MIME, false, "b@example.test");
            assertThat(connection.send(envelope, all(envelope), body(message("8bit", "caf\u00e9\r\n"))))
                    .singleElement().isInstanceOf(Outcome.Delivered.class);
            assertThat(sink.messages()).singleElement().satisfies(m -> assertThat(m).doesNotContain("BODY="));
        }
    }

    @Test
    void aConnectionDroppedAfterTheFinalDotDefersTheMessage() throws Exception {
        try (SmtpSink sink = SmtpSink.start("127.0.0.12", work, "-q", ".");
             OutboundConnection connection = OutboundConnection.open(sink.address(), "sink.test", SETTINGS)) {
            Envelope envelope = envelope("Q1", "a@example.test", "b@example.test");
            List<Outcome> outcomes = connection.send(envelope, all(envelope), body(message("x", "hi\r\n")));
            assertEach(outcomes, Outcome.Deferred.class, Scope.SITE, "4.4.2");
            assertThat(outcomes).allSatisfy(o -> assertThat(o.reply().lines().getFirst()).contains("may have been delivered"));
            assertThat(connection.isReusable()).isFalse();
        }
    }

    @Test
    void a421AfterRcptDefersTheRestAtSiteScope() throws Exception {
        try (SmtpSink sink = SmtpSink.start("127.0.0.13", work, "-Q", "RCPT");
             OutboundConnection connection = OutboundConnection.open(sink.address(), "sink.test", SETTINGS)) {
            Envelope envelope = envelope("Q1", "a@example.test", "b@example.test");
            assertThat(connection.send(envelope, all(envelope), body(message("x", "hi\r\n")))).allSatisfy(o -> {
                assertThat(o).isInstanceOf(Outcome.Deferred.class);
                assertThat(o.scope()).isEqualTo(Scope.SITE);
            });
            assertThat(connection.isReusable()).isFalse();
        }
    }
}
