package org.postloom.bench;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;

/**
 * A destination that takes everything and counts it: one virtual thread per connection, replies
 * flushed only when the client has nothing more pipelined (RFC 2920), and optionally a 451 to
 * {@code deferPercent} percent of transactions at the end of data, to make a relay retry.
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
    final LongAdder sessions = new LongAdder();
    final LongAdder messages = new LongAdder();
    final LongAdder deferred = new LongAdder();

    Sink(InetSocketAddress address, double deferPercent) throws IOException {
        this.deferPercent = deferPercent;
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
        return String.format(Locale.ROOT, "sess=%d msg=%d deferred=%d", sessions.sum(), messages.sum(), deferred.sum());
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
                        while (true) {
                            if (!in.next()) return;
                            if (in.isDot()) break;
                        }
                        if (deferPercent > 0 && ThreadLocalRandom.current().nextDouble(100) < deferPercent) {
                            deferred.increment();
                            out.write(DEFERRED);
                        } else {
                            messages.increment();
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
