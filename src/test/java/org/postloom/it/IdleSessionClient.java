package org.postloom.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A separate JVM that holds many idle SMTP sessions open against a relay (one process may open
 * only 20,000 descriptors here, so the relay and its clients cannot share one). It connects from
 * several loopback source addresses so that no single address runs out of ephemeral ports, reads
 * each greeting, then proves a sample of the sessions still live with EHLO and NOOP.
 *
 * <p>Arguments: relay port, number of sessions, number of source addresses (127.0.0.2 upwards),
 * sample size. Prints progress, then {@code ACCEPTED <n> millis=<t>}, {@code LIVE <k>} and
 * {@code HELD <n>}, and holds everything until its standard input closes. Any failure prints
 * {@code FAILED ...} and exits with status 1.
 */
public final class IdleSessionClient {

    /** Connections being set up at once: enough for speed, few enough not to overflow the listen backlog. */
    private static final int CONNECTS_IN_FLIGHT = 200;
    private static final int TIMEOUT_MILLIS = 20_000;

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int sessions = Integer.parseInt(args[1]);
        int sourceAddresses = Integer.parseInt(args[2]);
        int sampleSize = Integer.parseInt(args[3]);

        InetSocketAddress relay = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port);
        Socket[] held = new Socket[sessions];
        var failures = new ConcurrentLinkedQueue<String>();
        var greeted = new AtomicInteger();
        var inFlight = new Semaphore(CONNECTS_IN_FLIGHT);
        long start = System.nanoTime();
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < sessions; i++) {
                int index = i;
                InetAddress source = InetAddress.getByName("127.0.0." + (2 + i % sourceAddresses));
                inFlight.acquire();
                executor.submit(() -> {
                    try {
                        held[index] = connect(relay, source);
                        int n = greeted.incrementAndGet();
                        if (n % 1000 == 0) say("CONNECTED " + n);
                    } catch (IOException | RuntimeException e) {
                        failures.add("session " + index + " from " + source.getHostAddress() + ": " + e);
                    } finally {
                        inFlight.release();
                    }
                });
                if (!failures.isEmpty()) break;
            }
        }
        if (!failures.isEmpty()) fail(failures.size() + " sessions failed; first: " + failures.peek());
        say("ACCEPTED " + sessions + " millis=" + (System.nanoTime() - start) / 1_000_000);

        List<Integer> sample = new ArrayList<>();
        for (int i = 0; i < sampleSize; i++) sample.add((int) ((long) i * sessions / sampleSize));
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int index : sample) {
                executor.submit(() -> {
                    try {
                        proveLive(held[index]);
                    } catch (IOException | RuntimeException e) {
                        failures.add("session " + index + " not live: " + e);
                    }
                });
            }
        }
        if (!failures.isEmpty()) fail(failures.size() + " sampled sessions failed; first: " + failures.peek());
        say("LIVE " + sample.size());
        say("HELD " + sessions);

        // Hold every session until the test is done measuring, then leave.
        while (System.in.read() != -1) {
            // the test closes our stdin when it has its numbers
        }
        for (Socket socket : held) socket.close();
    }

    private static Socket connect(InetSocketAddress relay, InetAddress source) throws IOException {
        Socket socket = new Socket();
        try {
            socket.bind(new InetSocketAddress(source, 0));
            socket.connect(relay, TIMEOUT_MILLIS);
            socket.setSoTimeout(TIMEOUT_MILLIS);
            String greeting = readLine(socket.getInputStream());
            if (!greeting.startsWith("220 ")) throw new IOException("greeting was '" + greeting + "'");
            return socket;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** The session answers as a fresh one should: EHLO with its extensions, then NOOP. */
    private static void proveLive(Socket socket) throws IOException {
        OutputStream out = socket.getOutputStream();
        InputStream in = socket.getInputStream();
        out.write("EHLO idle.client.test\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String line;
        do {
            line = readLine(in);
            if (!line.startsWith("250")) throw new IOException("EHLO answered '" + line + "'");
        } while (line.startsWith("250-"));
        out.write("NOOP\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        line = readLine(in);
        if (!line.startsWith("250 2.0.0")) throw new IOException("NOOP answered '" + line + "'");
    }

    /** One reply line, byte by byte: no buffer may read ahead, the socket is reused afterwards. */
    private static String readLine(InputStream in) throws IOException {
        var line = new ByteArrayOutputStream(64);
        for (int b; (b = in.read()) != '\n'; ) {
            if (b == -1) throw new IOException("connection closed after '" + line + "'");
            if (line.size() > 1024) throw new IOException("reply line too long");
            if (b != '\r') line.write(b);
        }
        return line.toString(StandardCharsets.US_ASCII);
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    private static void fail(String why) {
        say("FAILED " + why);
        System.exit(1);
    }
}
