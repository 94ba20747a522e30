package org.postloom.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The client that must not suffer: one connection from its own address, one small transaction
 * after the other, each timed from MAIL to the 250 after the final dot.
 */
final class WellBehavedClient {

    /** What one measurement saw. */
    record Latencies(int transactions, int failures, long p50Millis, long p99Millis, long maxMillis) {}

    private final int port;

    WellBehavedClient(int port) {
        this.port = port;
    }

    Latencies measure(Duration during) throws IOException {
        List<Long> nanos = new ArrayList<>();
        int failures = 0;
        long end = System.nanoTime() + during.toNanos();
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress("127.0.0.2", 0));
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(10_000);
            var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            MessageSender.expect(in, "220");
            out.write("EHLO good.test\r\n".getBytes(StandardCharsets.US_ASCII));
            MessageSender.expect(in, "250");
            for (int n = 0; System.nanoTime() < end; n++) {
                long start = System.nanoTime();
                out.write(("MAIL FROM:<good@good.test>\r\nRCPT TO:<r@dest.test>\r\nDATA\r\n").getBytes(StandardCharsets.US_ASCII));
                try {
                    MessageSender.expect(in, "250");
                    MessageSender.expect(in, "250");
                    MessageSender.expect(in, "354");
                    out.write(("Subject: good " + n + "\r\n\r\n" + "g".repeat(2000) + "\r\n.\r\n").getBytes(StandardCharsets.US_ASCII));
                    MessageSender.expect(in, "250");
                    nanos.add(System.nanoTime() - start);
                } catch (IOException e) {
                    failures++;
                    break;
                }
            }
        }
        Collections.sort(nanos);
        return new Latencies(nanos.size(), failures, percentile(nanos, 50), percentile(nanos, 99),
                nanos.isEmpty() ? 0 : nanos.getLast() / 1_000_000);
    }

    private static long percentile(List<Long> sorted, int p) {
        if (sorted.isEmpty()) return 0;
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, index)) / 1_000_000;
    }
}
