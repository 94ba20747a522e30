package org.postloom.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.dns.DnsmasqServer;
import org.postloom.testing.Await;

/**
 * Whatever the relay accepted (BDAT with 5,000-octet lines, 8-bit bytes, lines of dots, a body
 * that ends without CRLF; DATA with a 60,000-octet line), what it sends on, captured byte for
 * byte at the next hop, has CRLF line ends only, no line over 998 octets, exactly one end of data
 * (at the end), and, with folding undone, the content that was sent.
 */
class OutboundHygieneIT {

    private static final String MX_HOST = "127.0.0.11";

    @RegisterExtension
    final Relays relays = new Relays();

    @TempDir
    Path work;

    @Test
    void whatLeavesTheRelayIsCleanSmtpData() throws Exception {
        String longLine = "L".repeat(5000);
        byte[] eightBit = "caf\u00e9 \u00fcber \u2603".getBytes(StandardCharsets.UTF_8);
        String bdatBody = "Message-ID: <bdat@sender.test>\r\nSubject: " + "s".repeat(1200) + "\r\n\r\n"
                + longLine + "\r\n.\r\n..\r\n.leading\r\n" + new String(eightBit, StandardCharsets.ISO_8859_1)
                + "\r\nno final line end";
        String dataBody = "Message-ID: <data@sender.test>\r\nSubject: long\r\n\r\n" + "D".repeat(60_000) + "\r\n.\r\nend\r\n";
        try (DnsmasqServer dns = DnsmasqServer.start(60, "--mx-host=dest.test,mx.dest.test,10",
                "--host-record=mx.dest.test," + MX_HOST);
             CapturingSink sink = CapturingSink.start(MX_HOST, CapturingSink.ACCEPT_ALL)) {
            RelayProcess relay = relays.start(FaultSettings.relayTo(work, dns, sink.port()));
            sendWithBdat(relay.smtpPort(), bdatBody.getBytes(StandardCharsets.ISO_8859_1));
            MessageSender.send(relay.smtpPort(), "s@sender.test", List.of("r@dest.test"), dataBody);

            Await.within(Duration.ofSeconds(20), () -> sink.accepted.size() >= 2);
            assertThat(sink.accepted).hasSize(2);
            for (CapturingSink.Delivery d : sink.accepted) {
                byte[] wire = d.wireData();
                assertClean(wire);
                String unfolded = d.content().replace("\r\n ", "");
                String sent = d.messageId().equals("bdat@sender.test") ? bdatBody + "\r\n" : dataBody;
                assertThat(unfolded).as("the content, folding undone").endsWith(sent);
            }
            ProofReport.of("outbound-hygiene").with("messages", 2).with("bare_cr_lf", 0).with("lines_over_998", 0)
                    .with("early_end_of_data", 0).print();
        }
    }

    /** CRLF only, lines of at most 998 octets, and CRLF "." CRLF only at the very end. */
    private static void assertClean(byte[] wire) {
        int column = 0;
        for (int i = 0; i < wire.length; i++) {
            if (wire[i] == '\r') {
                assertThat(i + 1 < wire.length && wire[i + 1] == '\n').as("bare CR at %d", i).isTrue();
            } else if (wire[i] == '\n') {
                assertThat(i > 0 && wire[i - 1] == '\r').as("bare LF at %d", i).isTrue();
                column = 0;
            } else {
                column++;
                assertThat(column).as("line length at %d", i).isLessThanOrEqualTo(998);
            }
        }
        String text = new String(wire, StandardCharsets.ISO_8859_1);
        assertThat(text.indexOf("\r\n.\r\n")).as("the end of data comes only at the end").isEqualTo(text.length() - 5);
    }

    private static void sendWithBdat(int port, byte[] body) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(20_000);
            var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
            OutputStream out = s.getOutputStream();
            MessageSender.expect(in, "220");
            out.write("EHLO sender.test\r\nMAIL FROM:<s@sender.test> BODY=8BITMIME\r\nRCPT TO:<r@dest.test>\r\n".getBytes(StandardCharsets.US_ASCII));
            MessageSender.expect(in, "250");
            MessageSender.expect(in, "250");
            MessageSender.expect(in, "250");
            int half = body.length / 2;
            out.write(("BDAT " + half + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body, 0, half);
            MessageSender.expect(in, "250");
            out.write(("BDAT " + (body.length - half) + " LAST\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body, half, body.length - half);
            MessageSender.expect(in, "250 2.0.0 Ok: queued");
        }
    }
}
