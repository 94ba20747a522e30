package org.postloom.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.dns.DnsmasqServer;
import org.postloom.testing.Await;
import org.postloom.tls.KeyMaterial;

/**
 * Postfix on both sides of Postloom. As the MX: Postloom delivers to Postfix's smtpd over
 * STARTTLS and Postfix passes the message on to a capturing sink, byte for byte. As a client:
 * Postfix relays through Postloom (a transport to it, like a relayhost), which delivers to the
 * MX it finds in DNS.
 */
class PostfixInteropIT {

    /** Every host's SMTP port is the same number, as port 25 would be: the relay's delivery port. */
    private static final String SINK = "127.0.0.30";
    private static final String POSTFIX = "127.0.0.31";

    @RegisterExtension
    final Relays relays = new Relays();

    @TempDir
    Path work;

    private CapturingSink sink;
    private PostfixInstance postfix;
    private DnsmasqServer dns;
    private RelayProcess relay;

    @BeforeEach
    void start() throws Exception {
        sink = CapturingSink.start(SINK, CapturingSink.ACCEPT_ALL);
        int port = sink.port();
        dns = DnsmasqServer.start(60,
                "--mx-host=pf.test,mx.pf.test,10", "--host-record=mx.pf.test," + POSTFIX,
                "--mx-host=beyond.test,mx.beyond.test,10", "--host-record=mx.beyond.test," + SINK);
        relay = relays.start(FaultSettings.relayTo(work, dns, port));
        Path keys = work.resolve("postfix-keys");
        KeyMaterial.loadOrCreate(Optional.empty(), Optional.empty(), keys, "mx.pf.test");
        // Mail for pf.test goes on to the sink; mail for beyond.test goes out through Postloom.
        Path transport = work.resolve("transport");
        Files.writeString(transport, "beyond.test smtp:[127.0.0.1]:" + relay.smtpPort() + "\n");
        postfix = PostfixInstance.start(POSTFIX, port, keys.resolve("tls/cert.pem"), keys.resolve("tls/key.pem"),
                "relayhost = [" + SINK + "]:" + port + "\ntransport_maps = texthash:" + transport
                        + "\nrelay_domains = pf.test");
    }

    @AfterEach
    void stop() throws Exception {
        if (postfix != null) postfix.close();
        if (dns != null) dns.close();
        if (sink != null) sink.close();
    }

    @Test
    void postfixAsTheMxGetsTheMessageOverTlsByteForByte() throws Exception {
        // A complete header section, so that Postfix's cleanup has nothing to add (it adds a missing
        // Date or From for clients it counts as local, and 127.0.0.1 is one).
        String content = "Message-ID: <interop-1@sender.test>\r\nDate: Fri, 27 Nov 2026 10:00:00 +0000\r\n"
                + "From: <s@sender.test>\r\nTo: <r@pf.test>\r\nSubject: through Postfix\r\n\r\n"
                + ".a line with a leading dot\r\n8-bit: h\u00e9llo\r\n" + "x".repeat(900) + "\r\nend\r\n";
        String id = MessageSender.send(relay.smtpPort(), "s@sender.test", List.of("r@pf.test"), content);
        CapturingSink.Delivery arrived = awaitArrival("interop-1@sender.test");
        String wire = new String(arrived.wireData(), StandardCharsets.UTF_8);
        assertThat(wire).as("Postfix says it took the message over TLS from Postloom")
                .containsPattern("\\(using TLSv1\\.[23] with cipher");
        assertThat(wire).contains("by relay.postloom.test (Postloom) with ESMTP id " + id);
        assertThat(arrived.content()).as("headers and body exactly as sent, after the trace headers").endsWith(content);
        assertThat(arrived.recipients()).containsExactly("r@pf.test");
    }

    @Test
    void postfixAsAClientRelaysThroughPostloom() throws Exception {
        String content = "Message-ID: <interop-2@sender.test>\r\nSubject: from Postfix\r\n\r\nhello\r\n";
        MessageSender.send(POSTFIX, postfix.port, "s@sender.test", List.of("r@beyond.test"), content);
        CapturingSink.Delivery arrived = awaitArrival("interop-2@sender.test");
        String wire = new String(arrived.wireData(), StandardCharsets.UTF_8);
        assertThat(wire).as("Postloom received it from Postfix's SMTP client")
                .containsPattern("Received: from postfix\\.interop\\.test \\(\\[127\\.0\\.0\\.\\d+\\]\\)\\r\\n\\tby relay\\.postloom\\.test \\(Postloom\\) with ESMTP");
        assertThat(arrived.content()).endsWith("\r\n\r\nhello\r\n");
        assertThat(arrived.recipients()).containsExactly("r@beyond.test");
    }

    private CapturingSink.Delivery awaitArrival(String messageId) throws InterruptedException {
        if (Await.within(Duration.ofSeconds(60), () -> sink.accepted.stream().anyMatch(d -> messageId.equals(d.messageId())))) {
            return sink.accepted.stream().filter(d -> messageId.equals(d.messageId())).findFirst().orElseThrow();
        }
        throw new AssertionError("not delivered: " + messageId + "\nPostfix log:\n" + postfix.log()
                + "\nrelay log:\n" + relay.logTail(40));
    }
}
