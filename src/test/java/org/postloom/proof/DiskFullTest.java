package org.postloom.proof;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.mail.QueueId;
import org.postloom.smtp.RelayPolicy;
import org.postloom.smtp.SessionSettings;
import org.postloom.smtp.server.ConnectionLimits;
import org.postloom.smtp.server.ConnectionSettings;
import org.postloom.intake.MessageSigner;
import org.postloom.smtp.server.SmtpMetrics;
import org.postloom.smtp.server.SmtpServer;
import org.postloom.smtp.server.TlsUpgrade;
import org.postloom.spool.Spool;
import org.postloom.spool.SpoolOptions;

/**
 * The spool on a 20 MiB tmpfs that fills up, behind a real SMTP listener. With a free-space
 * margin, MAIL hears 452 4.3.1 before any write can fail. Without one, DATA that meets ENOSPC
 * hears 451/452, never 250. Either way the listener keeps answering, nothing partial is left, every
 * acknowledged message is whole after a restart, and mail is taken again once space is freed.
 *
 * <p>In-process because the relay's margin (SpoolOptions.minFreeSpace, 256 MiB) is not a setting
 * yet: a relay process on a 20 MiB spool would refuse every MAIL.
 */
class DiskFullTest {

    private static final int MIB = 1 << 20;

    @TempDir
    Path work;

    @Test
    void aFillingDiskIsRefusedAheadOfTheEdgeThenAtTheEdgeAndRecoveredFrom() throws Exception {
        try (SmallFilesystem fs = SmallFilesystem.mount(work.resolve("mnt"), 20)) {
            Path spoolDir = fs.path().resolve("spool");
            Path ballast = fs.path().resolve("ballast");
            Files.write(ballast, new byte[6 * MIB]);
            Set<String> acknowledged = ConcurrentHashMap.newKeySet();
            int[] counts = new int[3];                               // [refusedAtMail, refusedAtData(4xx), other]

            // 1. A 4 MiB margin: the refusal comes at MAIL, before any write meets ENOSPC.
            String atMail;
            try (Served served = Served.on(spoolDir, 4L * MIB)) {
                String reply;
                int n = 0;
                do {
                    reply = send(served.port(), 1 * MIB, "margin" + n++, acknowledged);
                } while (reply.startsWith("250") && n < 100);
                atMail = reply;
                assertThat(reply).as("the first refusal").startsWith("MAIL 452 4.3.1");
                assertThat(fs.usableBytes()).as("refused ahead of the edge").isGreaterThan(MIB);
            }

            // 2. No margin: concurrent DATA meets ENOSPC; 451/452, never 250 for what was not stored.
            List<String> endings = new ArrayList<>();
            try (Served served = Served.on(spoolDir, 0)) {
                List<Thread> senders = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    int client = t;
                    senders.add(Thread.ofVirtual().start(() -> {
                        for (int i = 0; i < 6; i++) {
                            String reply = sendQuietly(served.port(), 2 * MIB, "edge" + client + "." + i, acknowledged);
                            synchronized (endings) {
                                endings.add(reply);
                            }
                        }
                    }));
                }
                for (Thread t : senders) t.join(60_000);
                assertThat(endings).as("how each transaction ended")
                        .allMatch(r -> r.startsWith("250") || r.matches("(MAIL|DATA) 45[12] 4\\.3\\.[01].*"))
                        .anyMatch(r -> r.startsWith("DATA 452 4.3.1"));
                assertThat(send(served.port(), 100, "still-answering", acknowledged)).as("the listener keeps serving")
                        .matches("(250|MAIL 452|DATA 45[12]).*");

                // 3. Space comes back: mail is taken again, with no restart.
                Files.delete(ballast);
                assertThat(send(served.port(), MIB, "after-freeing", acknowledged)).startsWith("250");
            }
            for (String r : endings) counts[r.startsWith("250") ? 2 : r.startsWith("DATA") ? 1 : 0]++;

            // 4. After a restart every acknowledged message is there, whole; nothing half-written is left.
            try (Spool spool = Spool.open(spoolDir, SpoolOptions.defaults().withMinFreeSpace(0), m -> {})) {
                Set<String> stored = ConcurrentHashMap.newKeySet();
                spool.messages().forEach(m -> stored.add(m.queueId().value()));
                assertThat(stored).containsAll(acknowledged);
                for (String id : stored) {
                    try (InputStream body = spool.openBody(new QueueId(id))) {
                        String text = new String(body.readAllBytes(), StandardCharsets.US_ASCII);
                        assertThat(text).as("message %s is whole", id).endsWith("\r\nEND\r\n");
                    }
                }
                try (Stream<Path> left = Files.list(spoolDir.resolve("incoming"))) {
                    assertThat(left).as("temporary bodies left behind").isEmpty();
                }
            }
            System.out.println("PROOF kind=disk-full acknowledged=" + acknowledged.size() + " first_refusal="
                    + atMail.replace(' ', '_') + " edge_250=" + counts[2] + " edge_refused_at_data=" + counts[1]
                    + " edge_refused_at_mail=" + counts[0] + " lost=0 partial=0");
        }
    }

    /** A spool and a listener in front of it. */
    private record Served(Spool spool, SmtpServer server) implements AutoCloseable {
        static Served on(Path spoolDir, long minFree) throws IOException {
            Spool spool = Spool.open(spoolDir, SpoolOptions.defaults().withMinFreeSpace(minFree).withSegmentSize(4L * MIB)
                    .withMemoryThreshold(64 << 10), m -> {});
            SmtpServer server = new SmtpServer(List.of(new SmtpServer.Listener(new InetSocketAddress("127.0.0.1", 0), false)),
                    new SessionSettings("disk.test", 8L * MIB, 10, 10, false, RelayPolicy.of(List.of("127.0.0.0/8"), List.of())),
                    new ConnectionSettings(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(10), 1000),
                    ConnectionLimits.of(100), spool, TlsUpgrade.NONE, Clock.systemUTC(), SmtpMetrics.none(),
                    MessageSigner.NONE);
            server.start();
            return new Served(spool, server);
        }

        int port() {
            return server.boundAddresses().getFirst().getPort();
        }

        @Override
        public void close() {
            server.close();
            spool.close();
        }
    }

    private static String sendQuietly(int port, int size, String tag, Set<String> acknowledged) {
        try {
            return send(port, size, tag, acknowledged);
        } catch (IOException e) {
            return "IO " + e;
        }
    }

    /** One message of about {@code size} octets; returns "250 ..." or "MAIL reply" / "DATA reply" for a refusal. */
    private static String send(int port, int size, String tag, Set<String> acknowledged) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(30_000);
            var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            reply(in);
            out.write("EHLO client.test\r\nMAIL FROM:<s@client.test>\r\n".getBytes(StandardCharsets.US_ASCII));
            reply(in);
            String mail = reply(in);
            if (!mail.startsWith("250")) return "MAIL " + mail;
            out.write("RCPT TO:<r@dest.test>\r\nDATA\r\n".getBytes(StandardCharsets.US_ASCII));
            reply(in);
            String data = reply(in);
            if (!data.startsWith("354")) return "DATA " + data;
            var body = new StringBuilder("Subject: " + tag + "\r\n\r\n");
            String line = "x".repeat(98) + "\r\n";
            while (body.length() < size) body.append(line);
            out.write((body + "END\r\n.\r\n").getBytes(StandardCharsets.US_ASCII));
            String end = reply(in);
            if (!end.startsWith("250")) return "DATA " + end;
            acknowledged.add(end.replaceAll(".*queued as (\\w+).*", "$1"));
            return end;
        }
    }

    private static String reply(BufferedReader in) throws IOException {
        String line;
        do {
            line = in.readLine();
            if (line == null) throw new IOException("connection closed");
        } while (line.length() > 3 && line.charAt(3) == '-');
        return line;
    }
}
