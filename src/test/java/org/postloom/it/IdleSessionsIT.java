package org.postloom.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * 10,000 concurrent idle sessions held by one relay process on its default heap, the clients in
 * a second JVM ({@link IdleSessionClient}). Measures the relay's resident memory while it holds
 * them and the time to accept them all, and prints both: the team reports them.
 */
class IdleSessionsIT {

    private static final int SESSIONS = 10_000;
    private static final int SOURCE_ADDRESSES = 10;      // 127.0.0.2 .. 127.0.0.11
    private static final int LIVENESS_SAMPLE = 100;
    private static final long RSS_LIMIT_KIB = 1024 * 1024; // 1 GiB
    private static final Duration HOLD_DEADLINE = Duration.ofSeconds(75);

    @RegisterExtension
    final Relays relays = new Relays();

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void tenThousandIdleSessionsFitInOneGibibyte() throws Exception {
        RelayProcess relay = relays.start(RelayProcess.Settings.in(dir));
        long rssAtStartKiB = relay.residentKiB();

        Process clients = new ProcessBuilder(JavaCommand.forMain(IdleSessionClient.class,
                Integer.toString(relay.smtpPort()), Integer.toString(SESSIONS), Integer.toString(SOURCE_ADDRESSES),
                Integer.toString(LIVENESS_SAMPLE)))
                .redirectErrorStream(true)
                .start();
        try {
            List<String> clientOutput = awaitLine(clients, "HELD ", HOLD_DEADLINE);
            String lastLine = clientOutput.isEmpty() ? "" : clientOutput.getLast();
            assertThat(lastLine).as("the client process said:\n" + String.join("\n", clientOutput))
                    .isEqualTo("HELD " + SESSIONS);

            // Measured while every session is open and idle.
            long rssKiB = relay.residentKiB();
            long descriptors = relay.openDescriptors();
            String accepted = clientOutput.stream().filter(l -> l.startsWith("ACCEPTED ")).findFirst().orElseThrow();
            System.out.println("IdleSessionsIT client: " + String.join(" | ", clientOutput));
            System.out.printf("IdleSessionsIT: relay pid %d holding %d idle sessions: VmRSS %d MiB (%d KiB; "
                            + "%d MiB before the clients came, about %d KiB more per session), %d open descriptors; "
                            + "all %d accepted and greeted in %s ms%n",
                    relay.pid(), SESSIONS, rssKiB / 1024, rssKiB, rssAtStartKiB / 1024,
                    (rssKiB - rssAtStartKiB) / SESSIONS, descriptors, SESSIONS, accepted.replaceFirst(".*millis=", ""));

            assertThat(descriptors).as("sockets the relay holds").isGreaterThanOrEqualTo(SESSIONS);
            // The log is written behind, within 100 ms: wait for it rather than read it at once.
            assertThat(relay.awaitLogLines(" connect client=", SESSIONS, Duration.ofSeconds(10))).as("sessions the relay logged").hasSize(SESSIONS);
            assertThat(relay.logLines("refused client=")).as("no session turned away").isEmpty();
            assertThat(freshSessionGreeting(relay)).as("the relay still greets a newcomer")
                    .isEqualTo("220 " + RelayProcess.HOSTNAME + " ESMTP");
            assertThat(rssKiB).as("relay VmRSS in KiB with %d sessions", SESSIONS).isLessThan(RSS_LIMIT_KIB);
        } finally {
            clients.getOutputStream().close();   // the client's signal to let go
            if (!clients.waitFor(10, TimeUnit.SECONDS)) clients.destroyForcibly().waitFor();
        }
    }

    /**
     * The client's output up to and including the first line that starts with {@code prefix}, or
     * up to its exit or the deadline, whichever comes first.
     */
    private static List<String> awaitLine(Process process, String prefix, Duration deadline) throws InterruptedException {
        var lines = new LinkedBlockingQueue<String>();
        var reader = Thread.ofVirtual().start(() -> {
            try (var in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) lines.add(line);
            } catch (IOException ignored) {
                // the process is gone; what it said is in the queue
            }
            lines.add("(client output ended, alive=" + process.isAlive() + ")");
        });
        List<String> seen = new ArrayList<>();
        long end = System.nanoTime() + deadline.toNanos();
        while (System.nanoTime() < end) {
            String line = lines.poll(end - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (line == null) break;
            seen.add(line);
            if (line.startsWith(prefix) || line.startsWith("(client output ended")) return seen;
        }
        seen.add("(no '" + prefix + "' within " + deadline + ")");
        reader.interrupt();
        return seen;
    }

    /** Session number 10,001, from this JVM: the relay is not wedged by the ones it holds. */
    private static String freshSessionGreeting(RelayProcess relay) throws IOException {
        try (var socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", relay.smtpPort()), 5_000);
            socket.setSoTimeout(5_000);
            var in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            return in.readLine();
        }
    }
}
