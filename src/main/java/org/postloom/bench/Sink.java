package org.postloom.bench;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * A destination that takes everything and counts it: one virtual thread per connection, replies
 * flushed only when the client has nothing more pipelined (RFC 2920), and optionally a 451 to
 * {@code deferPercent} percent of transactions at the end of data, to make a relay retry.
 *
 * <p>With deferrals it also tells what a sender compares (issue 20): how many messages arrived at
 * their first attempt (a message whose Message-ID it deferred before is a retry), and the time from
 * the generator's {@code X-Bench-Sent} stamp to the final delivery here, p50 and p99.
 */
final class Sink implements AutoCloseable {

    private static final byte[] GREETING = bytes("220 bench-sink ESMTP\r\n");
    private static final byte[] EHLO = bytes("250-bench-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SIZE 0\r\n"
            + "250 ENHANCEDSTATUSCODES\r\n");
    private static final byte[] OK = bytes("250 2.0.0 Ok\r\n");
    private static final byte[] QUEUED = bytes("250 2.0.0 Ok: queued\r\n");
    private static final byte[] DEFERRED = bytes("451 4.3.0 Bench sink: deferred on purpose\r\n");
    private static final byte[] GO_AHEAD = bytes("354 End data with <CR><LF>.<CR><LF>\r\n");
    private static final byte[] BYE = bytes("221 2.0.0 Bye\r\n");
    private static final byte[] UNKNOWN = bytes("502 5.5.2 Command not recognized\r\n");

    private final ServerSocket server;
    private final double deferPercent;
    private final DoubleSupplier dice;
    final LongAdder sessions = new LongAdder();
    final LongAdder messages = new LongAdder();
    final LongAdder deferred = new LongAdder();
    final LongAdder firstAttempt = new LongAdder();
    private final Set<String> deferredIds = ConcurrentHashMap.newKeySet();
    /** Milliseconds from the generator's stamp to the final 250 here, up to an hour. */
    private final Histogram toDelivery = new ConcurrentHistogram(3_600_000L, 3);

    Sink(InetSocketAddress address, double deferPercent) throws IOException {
        this(address, deferPercent, () -> ThreadLocalRandom.current().nextDouble(100));
    }

    /** As the public one, with {@code dice} (0 to 100) deciding which transactions are deferred. */
    Sink(InetSocketAddress address, double deferPercent, DoubleSupplier dice) throws IOException {
        this.deferPercent = deferPercent;
        this.dice = dice;
        server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(address, 4096);
    }

    InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    void start() {
        Thread.ofVirtual().name("sink-accept").start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket socket = server.accept();
                    Thread.ofVirtual().start(() -> serve(socket));
                } catch (IOException e) {
                    if (server.isClosed()) return;
                }
            }
        });
    }

    String counters() {
        String line = String.format(Locale.ROOT, "sess=%d msg=%d deferred=%d", sessions.sum(), messages.sum(), deferred.sum());
        if (deferPercent == 0) return line;
        return line + String.format(Locale.ROOT, " first=%d p50ms=%d p99ms=%d maxms=%d", firstAttempt.sum(),
                toDelivery.getValueAtPercentile(50), toDelivery.getValueAtPercentile(99), toDelivery.getMaxValue());
    }

    private void serve(Socket socket) {
        sessions.increment();
        try (socket) {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(300_000);
            LineReader in = new LineReader(socket.getInputStream());
            OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 1024);
            out.write(GREETING);
            out.flush();
            while (in.next()) {
                String verb = verb(in);
                switch (verb) {
                    case "EHLO" -> out.write(EHLO);
                    case "HELO", "MAIL", "RCPT", "RSET", "NOOP" -> out.write(OK);
                    case "DATA" -> {
                        out.write(GO_AHEAD);
                        out.flush();
                        String id = null;
                        long sent = 0;
                        boolean inHeader = true;
                        while (true) {
                            if (!in.next()) return;
                            if (in.isDot()) break;
                            if (inHeader && deferPercent > 0) {
                                String text = in.text();
                                if (text.isEmpty()) inHeader = false;
                                else if (text.regionMatches(true, 0, "Message-ID:", 0, 11)) id = text.substring(11).strip();
                                else if (text.regionMatches(true, 0, "X-Bench-Sent:", 0, 13)) sent = sentAt(text);
                            }
                        }
                        if (deferPercent > 0 && dice.getAsDouble() < deferPercent) {
                            deferred.increment();
                            if (id != null) deferredIds.add(id);
                            out.write(DEFERRED);
                        } else {
                            messages.increment();
                            if (deferPercent > 0) delivered(id, sent);
                            out.write(QUEUED);
                        }
                    }
                    case "QUIT" -> {
                        out.write(BYE);
                        out.flush();
                        return;
                    }
                    default -> out.write(UNKNOWN);
                }
                if (!in.hasBuffered()) out.flush();
            }
        } catch (IOException e) {
            // a client that goes away mid-session is the client's business
        }
    }

    private void delivered(String id, long sent) {
        if (id == null || !deferredIds.remove(id)) firstAttempt.increment();
        if (sent > 0) toDelivery.recordValue(Math.min(3_600_000L, Math.max(0, System.currentTimeMillis() - sent)));
    }

    private static long sentAt(String header) {
        try {
            return Long.parseLong(header.substring(13).strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String verb(LineReader in) {
        String line = in.text();
        int space = line.indexOf(' ');
        return (space < 0 ? line : line.substring(0, space)).toUpperCase(Locale.ROOT);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
