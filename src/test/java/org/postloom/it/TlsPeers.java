package org.postloom.it;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.postloom.smtp.MemoryStore;
import org.postloom.smtp.RelayPolicy;
import org.postloom.smtp.SessionSettings;
import org.postloom.smtp.server.ConnectionLimits;
import org.postloom.smtp.server.ConnectionSettings;
import org.postloom.intake.Intake;
import org.postloom.smtp.server.SmtpMetrics;
import org.postloom.smtp.server.SmtpServer;
import org.postloom.smtp.server.TlsUpgrade;
import org.postloom.tls.KeyMaterial;
import org.postloom.tls.ServerTls;

/**
 * The receiving side of outbound TLS tests: MX hosts with a given certificate on port 25 of their
 * own loopback address (Postloom's server, keeping what it accepted), a clear-text MX (Postfix's
 * smtp-sink, which shows every command it gets), and the delivery log lines of the relay under test.
 */
final class TlsPeers {

    private TlsPeers() {}

    /** An MX with STARTTLS and {@code keys}, accepting mail for any domain from loopback. */
    record TlsSink(SmtpServer server, MemoryStore store) implements AutoCloseable {
        static TlsSink start(String address, String name, KeyMaterial keys) throws IOException {
            MemoryStore store = new MemoryStore();
            var session = new SessionSettings(name, 1_000_000, 100, 10, true, RelayPolicy.of(List.of("127.0.0.0/8"), List.of()));
            var timeouts = new ConnectionSettings(Duration.ofSeconds(20), Duration.ofSeconds(20), Duration.ofSeconds(20), 10_000);
            SmtpServer server = new SmtpServer(List.of(new SmtpServer.Listener(new InetSocketAddress(address, 25), false)), session,
                    timeouts, ConnectionLimits.of(100), store, TlsUpgrade.with(ServerTls.of(keys)), Clock.systemUTC(),
                    SmtpMetrics.none(), Intake.unsigned(store));
            server.start();
            return new TlsSink(server, store);
        }

        boolean got(String subject) {
            return store.committed().stream().anyMatch(s -> s.text().contains("Subject: " + subject + "\r\n"));
        }

        @Override
        public void close() {
            server.close();
        }
    }

    /** Postfix's smtp-sink without STARTTLS on {@code address:25}; {@code -v} logs each command it reads. */
    record ClearTextSink(Process process, Path log) implements AutoCloseable {
        static ClearTextSink start(String address, Path dir) throws IOException, InterruptedException {
            ExternalTool sink = ExternalTool.require("smtp-sink", "postfix");
            Path log = dir.resolve("smtp-sink.log");
            List<String> command = new ArrayList<>(List.of(sink.binary().toString(), "-v", "-u", "root", address + ":25", "10"));
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (System.nanoTime() < deadline) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(address, 25), 300);
                    return new ClearTextSink(p, log);
                } catch (IOException notYet) {
                    Thread.sleep(50);
                }
            }
            p.destroyForcibly();
            return fail("smtp-sink did not listen on " + address + ":25: " + Files.readString(log));
        }

        /** Every command the sink read, as it logged them. */
        String transcript() throws IOException {
            return Files.readString(log);
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** The delivery log lines of the relay running in this JVM. */
    static final class DeliveryLog extends Handler implements AutoCloseable {
        private final List<String> lines = new CopyOnWriteArrayList<>();
        private final Logger logger = Logger.getLogger("org.postloom.delivery");

        DeliveryLog() {
            logger.addHandler(this);
        }

        @Override
        public void publish(LogRecord record) {
            lines.add(record.getMessage());
        }

        /** Waits (bounded) for a line starting with {@code event} about {@code recipient}. */
        String await(String event, String recipient) throws InterruptedException {
            Predicate<String> wanted = l -> l.startsWith(event + " ") && l.contains(" to=<" + recipient + ">");
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                for (String l : lines) if (wanted.test(l)) return l;
                Thread.sleep(20);
            }
            return fail("no '" + event + "' line for " + recipient + "; the log has:\n" + String.join("\n", lines));
        }

        @Override
        public void flush() {}

        @Override
        public void close() {
            logger.removeHandler(this);
        }
    }
}
