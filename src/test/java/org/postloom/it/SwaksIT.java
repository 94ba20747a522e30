package org.postloom.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * swaks, the usual way an operator pokes a mail server, against the real relay process: STARTTLS,
 * pipelining, implicit TLS, relay control by client address, a 1 MiB body, and the promise behind
 * "250 queued": the mail is still there after the relay is killed.
 */
class SwaksIT {

    private static final Duration SWAKS_TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern QUEUED = Pattern.compile("250 2\\.0\\.0 Ok: queued as (\\S+)");
    /** The only trusted client address; 127.0.0.2 stands for a host on the Internet. */
    private static final String TRUSTED_NETWORK = "127.0.0.1/32";
    private static final String UNTRUSTED_CLIENT = "127.0.0.2";
    /** A domain the relay accepts mail for from anyone. */
    private static final String INBOUND_DOMAIN = "inbound.test";

    @RegisterExtension
    final Relays relays = new Relays();

    @TempDir
    Path dir;

    private final ExternalTool swaks = ExternalTool.require("swaks", "swaks");

    @Test
    void startTlsTransactionIsQueued() throws Exception {
        RelayProcess relay = relays.start(settings());

        ExternalTool.Run run = swaks("--server", plain(relay), "--to", "x@example.test", "--tls");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.output()).as(run.toString())
                .contains("<-  220 2.0.0 Ready to start TLS", "=== TLS started with cipher TLSv1.")
                .contains("<~  250 2.0.0 Ok: queued as ")
                // RFC 3207 4.2: once in TLS, STARTTLS is no longer offered.
                .doesNotContain("<~  250-STARTTLS", "<~  250 STARTTLS");
        String queueId = queueId(run);
        assertQueuedInRelayLog(relay, queueId);

        relay.close();
        try (var spool = SpoolContents.open(settings().spoolDir())) {
            // RFC 3848 "ESMTPS", and the TLS details operators look for in the trace header.
            assertThat(spool.message(queueId)).startsWith("Received: from client.test ([127.0.0.1])\r\n")
                    .containsPattern("\\A[^;]* with ESMTPS id " + queueId + "\r\n\t\\(version=TLSv1\\.[23] cipher=TLS_\\w+\\)");
        }
    }

    @Test
    void pipelinedStartTlsTransactionIsQueued() throws Exception {
        RelayProcess relay = relays.start(settings());

        ExternalTool.Run run = swaks("--server", plain(relay), "--to", "x@example.test", "--tls", "--pipeline");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        // MAIL, RCPT and DATA go out as one group, and their three replies come back in order.
        assertThat(run.output()).as(run.toString()).containsPattern(
                " ~> MAIL FROM:<[^\\n]*>\\n ~> RCPT TO:<x@example.test>\\n ~> DATA\\n"
                        + "<~  250 2\\.1\\.0 [^\\n]*\\n<~  250 2\\.1\\.5 [^\\n]*\\n<~  354 ");
        assertQueuedInRelayLog(relay, queueId(run));
    }

    @Test
    void implicitTlsTransactionIsQueued() throws Exception {
        RelayProcess relay = relays.start(settings());

        ExternalTool.Run run = swaks("--server", "127.0.0.1:" + relay.implicitTlsPort(), "--to", "x@example.test",
                "--tls-on-connect");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.output()).as(run.toString())
                .containsPattern("=== TLS started with cipher TLSv1\\.[23][^\\n]*\\n(===[^\\n]*\\n)*<~  220 "
                        + RelayProcess.HOSTNAME + " ESMTP")
                .doesNotContain("STARTTLS");
        assertQueuedInRelayLog(relay, queueId(run));
    }

    @Test
    void untrustedClientMayOnlySendToRelayDomains() throws Exception {
        RelayProcess relay = relays.start(settings());

        ExternalTool.Run foreignFromOutside = swaks("--server", plain(relay), "--local-interface", UNTRUSTED_CLIENT,
                "--to", "x@foreign.test");
        ExternalTool.Run inboundFromOutside = swaks("--server", plain(relay), "--local-interface", UNTRUSTED_CLIENT,
                "--to", "x@" + INBOUND_DOMAIN);
        ExternalTool.Run foreignFromInside = swaks("--server", plain(relay), "--to", "x@foreign.test");

        // swaks exits 24 when a RCPT is refused.
        assertThat(foreignFromOutside.exitCode()).as(foreignFromOutside.toString()).isEqualTo(24);
        assertThat(foreignFromOutside.output()).as(foreignFromOutside.toString())
                .contains("<** 554 5.7.1")
                .doesNotContain("queued as");
        assertThat(inboundFromOutside.exitCode()).as(inboundFromOutside.toString()).isZero();
        assertThat(foreignFromInside.exitCode()).as("the same recipient from the trusted network\n" + foreignFromInside)
                .isZero();
        assertQueuedInRelayLog(relay, queueId(inboundFromOutside));
        assertQueuedInRelayLog(relay, queueId(foreignFromInside));
        assertThat(relay.logLines("queued id=")).as("only the two accepted messages").hasSize(2);
    }

    @Test
    void esmtpWithOneMebibyteBodyIsQueuedWhole() throws Exception {
        RelayProcess relay = relays.start(settings());
        Path body = writeBody(dir.resolve("body.txt"), 1 << 20);

        ExternalTool.Run run = swaks("--server", plain(relay), "--to", "x@example.test", "--protocol", "ESMTP",
                "--body", "@" + body, "--suppress-data");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        String queued = assertQueuedInRelayLog(relay, queueId(run));
        Matcher size = Pattern.compile(" size=(\\d+)").matcher(queued);
        assertThat(size.find()).as(queued).isTrue();
        // Stored: our 1 MiB (with CRLF for LF, so more) plus swaks' headers and our Received header.
        assertThat(Long.parseLong(size.group(1))).as(queued).isGreaterThan(Files.size(body));

        relay.close();
        try (var spool = SpoolContents.open(settings().spoolDir())) {
            String stored = spool.message(queueId(run));
            String head = stored.substring(0, Math.min(stored.length(), 500));   // a failure shows this much
            assertThat(head).startsWith("Received: from client.test ([127.0.0.1])\r\n").contains(" with ESMTP id ");
            // Byte for byte what we gave swaks, in CRLF lines, and with swaks' dot-stuffing undone.
            String sent = Files.readString(body, StandardCharsets.US_ASCII).replace("\n", "\r\n");
            assertThat(stored.contains(sent)).as("the whole body, unstuffed, in the stored message:\n" + head).isTrue();
            assertThat(stored.contains("\r\n..line")).as("a dot-stuffed line left in the stored message").isFalse();
        }
    }

    @Test
    void acceptedMessagesSurviveSigkillAndAreRecoveredAtRestart() throws Exception {
        RelayProcess.Settings settings = settings();
        RelayProcess relay = relays.start(settings);
        assertThat(relay.recoveredAtStart()).as("a new spool").isZero();

        List<ExternalTool.Run> runs = List.of(
                swaks("--server", plain(relay), "--to", "a@example.test", "--tls"),
                swaks("--server", plain(relay), "--to", "b@example.test", "--tls", "--pipeline"),
                swaks("--server", "127.0.0.1:" + relay.implicitTlsPort(), "--to", "c@example.test", "--tls-on-connect"),
                swaks("--server", plain(relay), "--local-interface", UNTRUSTED_CLIENT, "--to", "d@" + INBOUND_DOMAIN),
                swaks("--server", plain(relay), "--local-interface", UNTRUSTED_CLIENT, "--to", "e@foreign.test"));
        List<String> accepted = runs.stream().filter(r -> QUEUED.matcher(r.output()).find()).map(SwaksIT::queueId).toList();
        assertThat(accepted).as("all but the refused relay attempt: %s", runs).hasSize(4).doesNotHaveDuplicates();

        relay.kill();
        assertThat(segmentFiles(settings.spoolDir())).as("segment files in " + settings.spoolDir()).isNotEmpty();

        RelayProcess restarted = relays.start(settings);
        assertThat(restarted.recoveredAtStart()).as(restarted.log()).isEqualTo(accepted.size());

        restarted.close();
        try (var spool = SpoolContents.open(settings.spoolDir())) {
            assertThat(spool.queueIds()).as("the very messages that were acknowledged")
                    .containsExactlyInAnyOrderElementsOf(accepted);
        }
    }

    private RelayProcess.Settings settings() {
        return RelayProcess.Settings.in(dir)
                .relayNetworks(TRUSTED_NETWORK)
                .relayDomains(INBOUND_DOMAIN)
                .implicitTls();
    }

    private ExternalTool.Run swaks(String... args) throws IOException, InterruptedException {
        var all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--from", "sender@client.test", "--helo", "client.test", "--timeout", "20"));
        return swaks.run(SWAKS_TIMEOUT, all);
    }

    private static String plain(RelayProcess relay) {
        return "127.0.0.1:" + relay.smtpPort();
    }

    private static String queueId(ExternalTool.Run run) {
        Matcher queued = QUEUED.matcher(run.output());
        assertThat(queued.find()).as("a queue id in\n" + run).isTrue();
        return queued.group(1);
    }

    /** The relay's own account of the message: the log line it wrote once the message was durable. */
    private static String assertQueuedInRelayLog(RelayProcess relay, String queueId) throws InterruptedException {
        List<String> lines = relay.awaitLogLines("queued id=" + queueId + " ", 1, Duration.ofSeconds(5));
        assertThat(lines).as("'queued id=%s' in the relay's log", queueId).hasSize(1);
        return lines.getFirst();
    }

    /**
     * About {@code octets} of plain text in LF-terminated lines, as a file on disk looks; every
     * hundredth line starts with a dot, so swaks must dot-stuff and the relay must undo it.
     */
    private static Path writeBody(Path file, int octets) throws IOException {
        var text = new StringBuilder(octets);
        for (int line = 0; text.length() < octets; line++) {
            text.append(line % 100 == 0 ? "." : "")
                    .append(String.format("line %06d of a one mebibyte body, plain ASCII text.....", line))
                    .append('\n');
        }
        return Files.writeString(file, text, StandardCharsets.US_ASCII);
    }

    private static List<Path> segmentFiles(Path spoolDir) throws IOException {
        try (Stream<Path> files = Files.walk(spoolDir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".seg")).toList();
        }
    }
}
