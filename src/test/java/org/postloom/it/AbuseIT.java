package org.postloom.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.postloom.it.Abusers.lastReply;
import static org.postloom.it.Abusers.reply;
import static org.postloom.it.Abusers.repeat;
import static org.postloom.it.Abusers.text;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.testing.Await;

/**
 * One bad client never hurts the others: each abuse of issue 7 runs against a relay process with a
 * 512 MiB heap while a well-behaved client on another address times its transactions. The abuser
 * hears a clear reply (and is cut off where that is the rule), the relay's memory stays bounded,
 * and the good client's p99 stays under {@link #P99_BOUND_MILLIS}. Sizes scale with
 * -Dproof.scale (bench/campaign uses 5).
 */
class AbuseIT {

    private static final int SCALE = Integer.getInteger("proof.scale", 1);
    private static final Duration MEASURE = Duration.ofSeconds(3L * SCALE);
    private static final long P99_BOUND_MILLIS = 500;
    private static final int SIZE_LIMIT = 1 << 20;
    private static final long RSS_BOUND_KIB = 1_200_000;

    @RegisterExtension
    final Relays relays = new Relays();

    @TempDir
    Path work;

    @Test
    void aBadClientNeverHurtsTheOthers() throws Exception {
        RelayProcess relay = relays.start(RelayProcess.Settings.in(work)
                .set("POSTLOOM_LIMITS_MESSAGE_SIZE", Integer.toString(SIZE_LIMIT))
                .set("POSTLOOM_LIMITS_CLIENT_CONNECTIONS", "20000")
                .set("JAVA_TOOL_OPTIONS", "-Xmx512m"));
        int port = relay.smtpPort();
        WellBehavedClient good = new WellBehavedClient(port);
        good.measure(Duration.ofSeconds(1));                               // warm up
        WellBehavedClient.Latencies quiet = good.measure(MEASURE);
        report("none", quiet, Map.of(), relay);

        check("idle-connections-" + 2000 * SCALE, Abusers.idle(port, 2000 * SCALE), false, relay, good, null);
        check("trickle-1-byte-per-100ms-x50", Abusers.trickle(port, 50), false, relay, good, null);
        check("command-flood-noop-x4", Abusers.repeating(port, 4, AbuseIT::noopFlood), false, relay, good, "221 2.0.0");
        check("unknown-command-flood-x20", Abusers.repeating(port, 20, (in, out) -> {
            out.write(text(repeat("XYZZY", 20)).getBytes(StandardCharsets.US_ASCII));
            return lastReply(in);
        }), false, relay, good, "421 4.7.0");
        check("1-MiB-header-line", Abusers.repeating(port, 1, (in, out) -> message(in, out,
                "X-Big: " + "a".repeat(1 << 20) + "\r\n\r\nbody\r\n")), false, relay, good, "554 5.5.2");
        check("10-MiB-of-headers", Abusers.repeating(port, 1, (in, out) -> message(in, out,
                "X-H: v\r\n".repeat(10 << 20 >> 3) + "\r\nbody\r\n")), false, relay, good, "552 5.3.4");
        check("5000-RCPT", Abusers.once(port, 1, AbuseIT::fiveThousandRecipients), true, relay, good, "250 2.0.0");
        check("2000-transactions-one-connection", Abusers.once(port, 1, AbuseIT::twoThousandTransactions), true,
                relay, good, "250 2.0.0");
        check("100-concurrent-at-size-limit", Abusers.once(port, 100, (in, out) -> message(in, out,
                "Subject: big\r\n\r\n" + ("y".repeat(998) + "\r\n").repeat((SIZE_LIMIT - 4096) / 1000))), true,
                relay, good, "250 2.0.0");

        assertThat(relay.log()).doesNotContain("OutOfMemoryError");
        long peak = relay.peakResidentKiB();
        System.out.println("PROOF kind=abuse-memory peak_rss_kib=" + peak);
        assertThat(peak).as("relay peak RSS (KiB)").isLessThan(RSS_BOUND_KIB);
    }

    private static void check(String name, Abusers abusers, boolean runsOnce, RelayProcess relay, WellBehavedClient good,
                              String expectedEnding) throws Exception {
        WellBehavedClient.Latencies latencies;
        try (abusers) {
            Await.until("the abusers at work", abusers::underWay);
            latencies = good.measure(MEASURE);
            if (runsOnce) abusers.awaitEnd();
        }
        Map<String, Integer> endings = new TreeMap<>();
        abusers.endings.forEach((k, v) -> endings.put(k, v.get()));
        report(name, latencies, endings, relay);
        assertThat(latencies.failures()).as(name + ": the good client's failures").isZero();
        assertThat(latencies.p99Millis()).as(name + ": the good client's p99 (ms)").isLessThan(P99_BOUND_MILLIS);
        if (expectedEnding != null) {
            assertThat(endings).as(name + ": how the abuser's attempts ended").containsKey(expectedEnding);
            assertThat(endings.keySet()).as(name + ": how the abuser's attempts ended")
                    .allMatch(k -> k.equals(expectedEnding) || k.equals("io-error") && !runsOnce);
        }
    }

    private static void report(String name, WellBehavedClient.Latencies l, Map<String, Integer> endings, RelayProcess relay)
            throws IOException {
        ProofReport.of("abuse").with("case", name).with("good_transactions", l.transactions())
                .with("good_p50_ms", l.p50Millis()).with("good_p99_ms", l.p99Millis()).with("good_max_ms", l.maxMillis())
                .with("abuser_endings", endings.toString().replace(", ", ",")).with("relay_rss_kib", relay.residentKiB()).print();
    }

    private static void hello(BufferedReader in, OutputStream out) throws IOException {
        out.write("EHLO abuser.test\r\n".getBytes(StandardCharsets.US_ASCII));
        MessageSender.expect(in, "250");
    }

    /** One message with {@code content} (no line starts with a dot); returns the reply after the data. */
    private static String message(BufferedReader in, OutputStream out, String content) throws IOException {
        hello(in, out);
        out.write("MAIL FROM:<a@abuser.test>\r\nRCPT TO:<r@dest.test>\r\nDATA\r\n".getBytes(StandardCharsets.US_ASCII));
        MessageSender.expect(in, "250");
        MessageSender.expect(in, "250");
        MessageSender.expect(in, "354");
        out.write((content + ".\r\n").getBytes(StandardCharsets.US_ASCII));
        String end = reply(in);
        return end == null ? "closed" : end;
    }

    private static String noopFlood(BufferedReader in, OutputStream out) throws IOException {
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                out.write((text(repeat("NOOP", 5000)) + "QUIT\r\n").getBytes(StandardCharsets.US_ASCII));
            } catch (IOException ignored) {
                // the reader sees how it ended
            }
        });
        String last = lastReply(in);
        writer.interrupt();
        return last;
    }

    private static String fiveThousandRecipients(BufferedReader in, OutputStream out) throws IOException {
        hello(in, out);
        var commands = new StringBuilder("MAIL FROM:<a@abuser.test>\r\n");
        for (int i = 0; i < 5000; i++) commands.append("RCPT TO:<r").append(i).append("@dest.test>\r\n");
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                out.write(commands.toString().getBytes(StandardCharsets.US_ASCII));
            } catch (IOException ignored) {
                // the reader sees it
            }
        });
        MessageSender.expect(in, "250");
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger tooMany = new AtomicInteger();
        for (int i = 0; i < 5000; i++) {
            String r = reply(in);
            if (r == null) return "closed after " + i + " RCPT";
            if (r.startsWith("250")) accepted.incrementAndGet();
            else if (r.startsWith("452 4.5.3")) tooMany.incrementAndGet();
            else return r;
        }
        try {
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (accepted.get() != 1000 || tooMany.get() != 4000) return "rcpt " + accepted + "/" + tooMany;
        out.write("DATA\r\n".getBytes(StandardCharsets.US_ASCII));
        MessageSender.expect(in, "354");
        out.write("Subject: many\r\n\r\nhi\r\n.\r\n".getBytes(StandardCharsets.US_ASCII));
        return reply(in);
    }

    private static String twoThousandTransactions(BufferedReader in, OutputStream out) throws IOException {
        hello(in, out);
        byte[] transaction = ("MAIL FROM:<a@abuser.test>\r\nRCPT TO:<r@dest.test>\r\nDATA\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] body = "Subject: one of many\r\n\r\nhi\r\n.\r\n".getBytes(StandardCharsets.US_ASCII);
        String last = "none";
        for (int i = 0; i < 2000; i++) {
            out.write(transaction);
            MessageSender.expect(in, "250");
            MessageSender.expect(in, "250");
            MessageSender.expect(in, "354");
            out.write(body);
            last = reply(in);
            if (last == null || !last.startsWith("250")) return "transaction " + i + ": " + last;
        }
        return last;
    }
}
