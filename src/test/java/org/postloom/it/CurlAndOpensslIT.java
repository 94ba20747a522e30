package org.postloom.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two more real clients into the relay: curl's SMTP client (clear text and STARTTLS) and
 * {@code openssl s_client -starttls smtp} with a whole pipelined transaction on its standard input.
 */
class CurlAndOpensslIT {

    private static final Pattern REPLY_LINE = Pattern.compile("[2-5]\\d\\d[ -]");
    private static final Pattern QUEUED = Pattern.compile("250 2\\.0\\.0 Ok: queued as (\\w+)");

    @RegisterExtension
    final Relays relays = new Relays();

    @TempDir
    Path work;

    @Test
    void curlSendsInClearTextAndWithStartTls() throws Exception {
        ExternalTool curl = ExternalTool.require("curl", "curl");
        RelayProcess relay = relays.start(RelayProcess.Settings.in(work));
        Path message = Files.writeString(work.resolve("message.txt"),
                "From: <s@client.test>\r\nTo: <r@dest.test>\r\nSubject: from curl\r\n\r\n.a line with a leading dot\r\nbody\r\n");
        for (List<String> tls : List.of(List.<String>of(), List.of("--ssl-reqd", "--insecure"))) {
            var args = new java.util.ArrayList<>(List.of("-sS", "-v", "--url", "smtp://127.0.0.1:" + relay.smtpPort(),
                    "--mail-from", "s@client.test", "--mail-rcpt", "r@dest.test", "--upload-file", message.toString()));
            args.addAll(tls);
            ExternalTool.Run run = curl.run(Duration.ofSeconds(30), args);
            assertThat(run.exitCode()).as(run.toString()).isZero();
            Matcher queued = QUEUED.matcher(run.output());
            assertThat(queued.find()).as(run.toString()).isTrue();
            assertThat(relay.awaitLogLines("queued id=" + queued.group(1), 1, Duration.ofSeconds(5))).hasSize(1);
            if (!tls.isEmpty()) assertThat(run.output()).contains("STARTTLS").containsPattern("TLSv1\\.[23]");
        }
    }

    @Test
    void opensslStartTlsCarriesAPipelinedTransaction() throws Exception {
        ExternalTool openssl = ExternalTool.require("openssl", "openssl");
        RelayProcess relay = relays.start(RelayProcess.Settings.in(work));
        Path input = Files.writeString(work.resolve("session.txt"), String.join("\n",
                "EHLO openssl.test", "MAIL FROM:<s@client.test>", "RCPT TO:<r@dest.test>", "DATA",
                "Subject: from openssl", "", "hello over TLS", ".", "QUIT", ""));
        Path output = work.resolve("openssl.out");
        Process p = new ProcessBuilder(openssl.binary().toString(), "s_client", "-starttls", "smtp", "-crlf", "-ign_eof",
                "-connect", "127.0.0.1:" + relay.smtpPort(), "-servername", RelayProcess.HOSTNAME)
                .redirectInput(input.toFile()).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("openssl s_client finished").isTrue();
        String transcript = Files.readString(output, StandardCharsets.ISO_8859_1);
        assertThat(transcript).as(transcript).containsPattern("New, TLSv1\\.[23], Cipher is ");
        // Only SMTP reply lines count: the transcript also holds the certificate, whose base64
        // lines may begin with a 5 (base64 has no space or '-', so no such line looks like a reply).
        List<String> replies = transcript.lines().filter(line -> REPLY_LINE.matcher(line).lookingAt()).toList();
        assertThat(replies).as(transcript).contains("221 2.0.0 Bye").noneMatch(line -> line.startsWith("5"));
        Matcher queued = QUEUED.matcher(transcript);
        assertThat(queued.find()).as(transcript).isTrue();
        assertThat(relay.awaitLogLines("queued id=" + queued.group(1), 1, Duration.ofSeconds(5))).hasSize(1);
        new File(output.toString()).delete();
    }
}
