package org.postloom.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, CONTRACT.md section 1, scaled: the promise is for 1,000,000 queued 1 KiB messages
 * (under 1 GiB RSS with {@code bin/postloom}'s JVM flags, SMTP again within 20 s of a SIGKILL);
 * CI queues {@code backlog.messages} (100,000) behind a dead next hop with the bench generator
 * and holds the relay to the same bounds per message: resident memory above the idle relay's at
 * most (1 GiB - idle) / 1,000,000 per message, recovery at most 20 s / 1,000,000 per message.
 * {@code bench/spool/run backlog} runs this with -Dbacklog.messages=1000000.
 */
class BacklogIT {

    private static final int MESSAGES = Integer.getInteger("backlog.messages", 100_000);
    private static final int PROMISED_MESSAGES = 1_000_000;
    private static final long PROMISED_RSS_KIB = 1L << 20;
    private static final Duration PROMISED_RESTART = Duration.ofSeconds(20);
    private static final Pattern RECOVERED = Pattern.compile("spool: recovered segments=\\d+ messages=(\\d+) .*took=(\\d+)ms");

    @RegisterExtension
    final Relays relays = new Relays();

    @TempDir
    Path work;

    @Test
    void aLargeBacklogStaysSmallInMemoryAndComesBackQuickly() throws Exception {
        int deadPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.1.9"))) {
            deadPort = s.getLocalPort();   // closed again: connections there are refused
        }
        Path config = work.resolve("routes.properties");
        Files.writeString(config, "postloom.routes.\"*\"=127.0.1.9:" + deadPort + "\n");
        RelayProcess.Settings settings = RelayProcess.Settings.in(work).withLauncherJvmFlags()
                .set("POSTLOOM_CONFIG", config.toString())
                .set("POSTLOOM_DELIVERY_MIN_BACKOFF", "PT10M");
        RelayProcess relay = relays.start(settings);
        long idleKiB = relay.residentKiB();

        long startBlast = System.nanoTime();
        String result = blast(relay.smtpPort());
        double blastSeconds = (System.nanoTime() - startBlast) / 1e9;
        assertThat(result).contains("\"accepted\":" + MESSAGES + ",");
        awaitQueued(relay, MESSAGES);
        long queuedKiB = relay.residentKiB();
        long peakKiB = relay.peakResidentKiB();

        relay.kill();
        long restartStart = System.nanoTime();
        RelayProcess restarted = relays.start(settings);
        Duration restart = Duration.ofNanos(System.nanoTime() - restartStart);
        Matcher recovered = RECOVERED.matcher(restarted.log());
        assertThat(recovered.find()).as("recovery line in the log").isTrue();
        long recoveryMillis = Long.parseLong(recovered.group(2));
        long afterRecoveryKiB = restarted.residentKiB();

        double bytesPerMessage = (queuedKiB - idleKiB) * 1024.0 / MESSAGES;
        double allowedPerMessage = (PROMISED_RSS_KIB - idleKiB) * 1024.0 / PROMISED_MESSAGES;
        long allowedRecoveryMillis = PROMISED_RESTART.toMillis() * MESSAGES / PROMISED_MESSAGES;
        ProofReport.of("backlog").with("messages", MESSAGES).with("blast_s", Math.round(blastSeconds))
                .with("idle_rss_mib", idleKiB / 1024).with("queued_rss_mib", queuedKiB / 1024)
                .with("peak_rss_mib", peakKiB / 1024).with("rss_bytes_per_message", Math.round(bytesPerMessage))
                .with("allowed_bytes_per_message", Math.round(allowedPerMessage))
                .with("restart_to_smtp_ms", restart.toMillis()).with("recovery_ms", recoveryMillis)
                .with("rss_after_recovery_mib", afterRecoveryKiB / 1024).print();

        assertThat(restarted.recoveredAtStart()).as("every message still queued").isEqualTo(MESSAGES);
        assertThat(bytesPerMessage).as("resident bytes per queued message").isLessThan(allowedPerMessage);
        assertThat(queuedKiB).isLessThan(PROMISED_RSS_KIB);
        assertThat(recoveryMillis).as("recovery of %d messages", MESSAGES).isLessThan(allowedRecoveryMillis);
        assertThat(restart).as("kill -9 to SMTP accepting").isLessThan(PROMISED_RESTART);
    }

    /** The bench generator, in its own JVM: MESSAGES of 1 KiB over 32 pipelining sessions. */
    private String blast(int port) throws Exception {
        Path out = work.resolve("blast.json");
        Process blaster = new ProcessBuilder(JavaCommand.forMain("org.postloom.cli.Main", "bench", "blast",
                "--server", "127.0.0.1:" + port, "--sessions", "32", "--messages", Integer.toString(MESSAGES),
                "--size", "1024", "--domains", "20"))
                .redirectOutput(out.toFile()).redirectError(work.resolve("blast.err").toFile()).start();
        assertThat(blaster.waitFor(10, TimeUnit.MINUTES)).as("blast finished").isTrue();
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    private static void awaitQueued(RelayProcess relay, int count) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (relay.metric("postloom_queue_messages") < count && System.nanoTime() < deadline) Thread.sleep(200);
        assertThat(relay.metric("postloom_queue_messages")).isEqualTo(count);
    }
}
