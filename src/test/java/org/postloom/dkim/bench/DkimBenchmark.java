package org.postloom.dkim.bench;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.postloom.dkim.DkimKeys;
import org.postloom.dkim.DkimSettings;
import org.postloom.dkim.DkimSigner;
import org.postloom.dkim.SigningRelay;
import org.postloom.dkim.TestKeys;
import org.postloom.mail.Envelope;
import org.postloom.mail.Mailbox;
import org.postloom.mail.QueueId;
import org.postloom.intake.MessageSigner;
import org.postloom.intake.MessageStore.Reception;

/**
 * Messages per second through a live listener into the durable spool, with DKIM signing off and
 * on (rsa-sha256 2048-bit, ed25519-sha256, both), for 1 KiB and 100 KiB messages; concurrent
 * clients each send over one connection, MAIL/RCPT/DATA pipelined. Prints a Markdown table. Not
 * a test: run it with {@code bench/dkim/run}.
 *
 * <p>Arguments: {@code [spool directory] [seconds per run (3 runs per cell, median)] [clients]}.
 */
public final class DkimBenchmark {

    private static final int[] SIZES = {1 << 10, 100 << 10};
    private static final int ROUNDS = 3;
    /** Held, so that it is not collected with its level: a log line per message would dominate. */
    private static final Logger QUIET = Logger.getLogger("org.postloom");

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args.length > 0 ? args[0] : "target/bench-dkim");
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 3;
        int clients = args.length > 2 ? Integer.parseInt(args[2]) : 32;
        QUIET.setLevel(Level.WARNING);
        Files.createDirectories(root);

        Path keysDir = Files.createTempDirectory(root, "keys");
        String rsa = TestKeys.pkcs8(keysDir, "rsa.pem", TestKeys.rsa(2048)).toString();
        String ed = TestKeys.pkcs8(keysDir, "ed.pem", TestKeys.ed25519()).toString();
        Map<String, MessageSigner> signers = new LinkedHashMap<>();
        signers.put("off", MessageSigner.NONE);
        signers.put("rsa-sha256", signer(Map.of("rsa", rsa)));
        signers.put("ed25519-sha256", signer(Map.of("ed", ed)));
        signers.put("dual", signer(Map.of("rsa", rsa, "ed", ed)));

        measure(root, signers.get("dual"), 1 << 10, clients, 2); // warm up the JIT before anything counts
        System.out.printf("| message | clients | %s |%n", String.join(" | ", signers.keySet()));
        System.out.printf("|---:|---:|%s%n", "---:|".repeat(signers.size()));
        for (int size : SIZES) {
            // Rounds alternate the modes, so drift of the VM or the disk hits each alike; medians count.
            Map<String, List<Double>> rates = new LinkedHashMap<>();
            for (int round = 0; round < ROUNDS; round++) {
                for (var signer : signers.entrySet()) {
                    rates.computeIfAbsent(signer.getKey(), k -> new ArrayList<>())
                            .add(measure(root, signer.getValue(), size, clients, seconds));
                }
            }
            double off = median(rates.get("off"));
            var cells = new ArrayList<String>();
            rates.forEach((mode, r) -> cells.add(mode.equals("off") ? String.format("%,.0f/s", off)
                    : String.format("%,.0f/s (%+.0f%%)", median(r), 100 * (median(r) - off) / off)));
            System.out.printf("| %d KiB | %d | %s |%n", size >> 10, clients, String.join(" | ", cells));
        }
        System.out.println();
        System.out.println("| message | signing CPU per message, in process (no SMTP, no disk) |");
        System.out.println("|---:|---|");
        for (int size : SIZES) {
            var cells = new ArrayList<String>();
            for (var signer : signers.entrySet()) {
                if (!signer.getKey().equals("off")) {
                    cells.add(String.format("%s %.0f us", signer.getKey(), microsPerMessage(signer.getValue(), size)));
                }
            }
            System.out.printf("| %d KiB | %s |%n", size >> 10, String.join(", ", cells));
        }
        delete(root);
    }

    /** What signing alone costs a session: the tee, the body hash, the signatures, on one thread. */
    private static double microsPerMessage(MessageSigner signer, int size) throws Exception {
        byte[] content = message(size);
        var envelope = new Envelope(new QueueId("BENCH"), new Mailbox("app", "bench.test"),
                List.of(new Mailbox("user", "elsewhere.test")), Envelope.BodyType.EIGHT_BIT_MIME, false,
                Instant.now(), "127.0.0.1", "");
        double result = 0;
        for (int round = 0; round < 3; round++) { // the first rounds warm up the JIT
            long start = System.nanoTime();
            int n = 0;
            while (System.nanoTime() - start < 1_000_000_000L) {
                Reception signing = signer.sign(envelope, new Discarding());
                signing.body().write(content);
                signing.commit();
                n++;
            }
            result = (System.nanoTime() - start) / 1e3 / n;
        }
        return result;
    }

    /** A reception that keeps nothing. */
    private static final class Discarding implements Reception {
        @Override
        public OutputStream body() {
            return OutputStream.nullOutputStream();
        }

        @Override
        public void prepend(byte[] headerLines) {
        }

        @Override
        public void commit() {
        }

        @Override
        public void close() {
        }
    }

    private static double median(List<Double> values) {
        var sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    private static MessageSigner signer(Map<String, String> selectors) {
        return new DkimSigner(DkimKeys.load(Map.of("bench.test", selectors)), DkimSettings.defaults(), Clock.systemUTC());
    }

    /** Messages per second that {@code clients} connections get stored in {@code seconds}. */
    private static double measure(Path root, MessageSigner signer, int size, int clients, double seconds)
            throws Exception {
        Path dir = Files.createTempDirectory(root, "spool");
        byte[] stuffed = SigningRelay.dotStuffed(message(size));
        byte[] data = java.util.Arrays.copyOf(stuffed, stuffed.length + 3);
        System.arraycopy(".\r\n".getBytes(StandardCharsets.US_ASCII), 0, data, stuffed.length, 3);
        byte[] envelope = ("MAIL FROM:<app@bench.test>\r\nRCPT TO:<user@elsewhere.test>\r\nDATA\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        var sent = new LongAdder();
        try (var relay = new SigningRelay(dir, signer)) {
            long deadline = System.nanoTime() + (long) (seconds * 1e9);
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                threads.add(Thread.ofPlatform().start(() -> {
                    try (var client = new SigningRelay.Client(relay.address())) {
                        client.expect("220");
                        client.command("EHLO bench.test", "250");
                        while (System.nanoTime() < deadline) {
                            client.write(envelope); // RFC 2920: one write, three replies
                            client.expect("250");
                            client.expect("250");
                            client.expect("354");
                            client.write(data); // the body and its final dot
                            client.expect("250");
                            sent.increment();
                        }
                        client.command("QUIT", "221");
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            for (Thread t : threads) t.join();
        }
        delete(dir);
        return sent.sum() / seconds;
    }

    /** A transactional-looking message of about {@code size} octets. */
    private static byte[] message(int size) {
        var text = new StringBuilder("""
                From: Example Shop <orders@bench.test>\r
                To: Customer <user@elsewhere.test>\r
                Subject: Your order has shipped\r
                Date: Tue, 14 Jan 2025 10:00:00 +0000\r
                Message-ID: <order-1@bench.test>\r
                MIME-Version: 1.0\r
                Content-Type: text/plain; charset=utf-8\r
                \r
                """);
        while (text.length() < size) text.append("Thank you for your order. It is on its way to you today.  \r\n");
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void delete(Path dir) throws Exception {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
