package org.postloom.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Postfix's load generator, smtp-source, against the real relay. smtp-source stops with a fatal
 * error at the first reply that is not the one it expects, so exit 0 means every command of
 * every session was accepted; the relay's log then tells whether each message was made durable.
 */
class SmtpSourceIT {

    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(60);

    @RegisterExtension
    final Relays relays = new Relays();

    @TempDir
    Path dir;

    private final ExternalTool smtpSource = ExternalTool.require("smtp-source", "postfix");

    @Test
    void fiveHundredMessagesOverTwentyParallelSessionsAreAllQueued() throws Exception {
        RelayProcess relay = relays.start(RelayProcess.Settings.in(dir));

        // Without -d smtp-source opens a new connection for every message: 500 connections.
        ExternalTool.Run run = smtpSource.run(RUN_TIMEOUT, "-s", "20", "-m", "500", "-l", "1024",
                "-f", "from@client.test", "-t", "to@example.test", "127.0.0.1:" + relay.smtpPort());

        assertThat(run.exitCode()).as(run.toString()).isZero();
        List<String> queued = relay.awaitLogLines("queued id=", 500, Duration.ofSeconds(10));
        assertThat(queued).hasSize(500).allMatch(line -> line.contains("from=<from@client.test> nrcpt=1 "));
        assertThat(queued.stream().map(SmtpSourceIT::queueId).distinct()).as("distinct queue ids").hasSize(500);
        assertThat(relay.logLines(" connect client=127.0.0.1:")).as("one connection per message").hasSize(500);
    }

    @Test
    void manyTransactionsWithManyRecipientsOverReusedConnections() throws Exception {
        RelayProcess relay = relays.start(RelayProcess.Settings.in(dir));

        // -d keeps each session's connection for all its messages; -r 5 gives each message five recipients.
        ExternalTool.Run run = smtpSource.run(RUN_TIMEOUT, "-d", "-s", "5", "-m", "200", "-r", "5", "-l", "4096",
                "-f", "from@client.test", "-t", "to@example.test", "127.0.0.1:" + relay.smtpPort());

        assertThat(run.exitCode()).as(run.toString()).isZero();
        List<String> queued = relay.awaitLogLines("queued id=", 200, Duration.ofSeconds(10));
        assertThat(queued).hasSize(200).allMatch(line -> line.contains(" nrcpt=5 "));
        assertThat(relay.logLines(" connect client=127.0.0.1:")).as("connections reused").hasSizeLessThanOrEqualTo(5);
    }

    private static String queueId(String queuedLine) {
        return queuedLine.replaceFirst(".*queued id=(\\S+) .*", "$1");
    }
}
