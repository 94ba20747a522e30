package org.postloom.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The promise behind 250, tested on a relay process under load from many sessions: killed with
 * SIGKILL, or stopped with SIGTERM, it keeps every message it acknowledged, whole.
 */
class CrashAndShutdownIT {

    private static final int SESSIONS = 32;

    @RegisterExtension
    final Relays relays = new Relays();

    @TempDir
    Path work;

    @Test
    void sigkillWhileManySessionsSendLosesNothingAcknowledged() throws Exception {
        RelayProcess.Settings settings = RelayProcess.Settings.in(work);
        RelayProcess relay = relays.start(settings);
        try (SendingClients clients = new SendingClients(relay.smtpPort(), SESSIONS)) {
            clients.awaitAcknowledged(300);
            relay.kill();
            clients.awaitEnd();
            assertThat(clients.acknowledged).hasSizeGreaterThanOrEqualTo(300);
            try (SpoolContents spool = SpoolContents.open(settings.spoolDir())) {
                assertThat(spool.queueIds()).containsAll(clients.acknowledged);
                for (String id : spool.queueIds()) {
                    String message = spool.message(id);
                    String subject = message.replaceAll("(?s).*\r\nSubject: (\\S+)\r\n.*", "$1");
                    assertThat(message).as("message %s is whole", id).endsWith("\r\nEND " + subject + "\r\n");
                }
            }
        }
        RelayProcess again = relays.start(settings);
        assertThat(again.recoveredAtStart()).isGreaterThanOrEqualTo(300);
    }

    @Test
    void sigtermInTheMiddleOfTransactionsEndsEverySessionWithAReply() throws Exception {
        RelayProcess.Settings settings = RelayProcess.Settings.in(work);
        RelayProcess relay = relays.start(settings);
        try (SendingClients clients = new SendingClients(relay.smtpPort(), SESSIONS)) {
            clients.awaitAcknowledged(200);
            relay.close();                      // SIGTERM: the graceful stop
            clients.awaitEnd();
            assertThat(clients.endings).as("how sessions ended; last replies %s", clients.lastReplies)
                    .hasSize(SESSIONS)
                    .allMatch(e -> e == SendingClients.Ending.GOODBYE_421 || e == SendingClients.Ending.REFUSED_AT_CONNECT);
            assertThat(clients.lastReplies).allMatch(r -> r.startsWith("421 4.3.2"));
            assertThat(relay.log()).contains("stopped");
            try (SpoolContents spool = SpoolContents.open(settings.spoolDir())) {
                assertThat(spool.queueIds()).containsAll(clients.acknowledged);
            }
        }
    }
}
