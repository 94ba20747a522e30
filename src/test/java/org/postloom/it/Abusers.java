package org.postloom.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bad clients of issue 7, each on its own loopback address (127.0.0.3) and its own virtual
 * threads, running until closed. Each counts the replies that ended its attempts, so a test can
 * check the abuser heard a clear reply and was cut off where that is the rule.
 */
final class Abusers implements AutoCloseable {

    private static final String ABUSER = "127.0.0.3";

    /** The last reply line of each attempt, counted by its first 9 characters (code and status). */
    final Map<String, AtomicInteger> endings = new ConcurrentHashMap<>();
    final AtomicInteger attempts = new AtomicInteger();
    /** Threads whose first connection was made (or failed): once all are, the abuse is under way. */
    private final AtomicInteger underWay = new AtomicInteger();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final int port;

    private Abusers(int port) {
        this.port = port;
    }

    interface Attempt {
        /** One attempt over a fresh connection; returns the reply that ended it. */
        String run(BufferedReader in, OutputStream out) throws IOException;
    }

    static Abusers idle(int port, int connections) throws IOException {
        Abusers a = new Abusers(port);
        for (int i = 0; i < connections; i++) a.sockets.add(a.connect());
        return a;
    }

    /** Connections that send a command one byte every 100 ms. */
    static Abusers trickle(int port, int connections) {
        Abusers a = new Abusers(port);
        byte[] text = "EHLO trickle.test\r\nNOOP\r\nNOOP\r\n".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < connections; i++) {
            a.loop(1, (in, out) -> {
                for (int k = 0; !a.stop.get(); k++) {
                    out.write(text[k % text.length]);
                    out.flush();
                    sleep(100);
                }
                return "stopped";
            });
        }
        return a;
    }

    /** Repeats {@code attempt} on fresh connections from {@code parallel} threads until closed. */
    static Abusers repeating(int port, int parallel, Attempt attempt) {
        Abusers a = new Abusers(port);
        for (int i = 0; i < parallel; i++) a.loop(Integer.MAX_VALUE, attempt);
        return a;
    }

    /** Runs {@code attempt} once on each of {@code parallel} connections at the same time. */
    static Abusers once(int port, int parallel, Attempt attempt) {
        Abusers a = new Abusers(port);
        for (int i = 0; i < parallel; i++) a.loop(1, attempt);
        return a;
    }

    private void loop(int times, Attempt attempt) {
        threads.add(Thread.ofVirtual().start(() -> {
            for (int i = 0; i < times && !stop.get(); i++) {
                if (i == 0) underWay.incrementAndGet();
                try (Socket s = connect()) {
                    sockets.add(s);
                    var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
                    MessageSender.expect(in, "220");
                    String ending = attempt.run(in, s.getOutputStream());
                    if (stop.get()) return;                     // cut short by close(), not by the relay
                    endings.computeIfAbsent(ending.substring(0, Math.min(9, ending.length())), k -> new AtomicInteger())
                            .incrementAndGet();
                } catch (IOException e) {
                    if (!stop.get()) endings.computeIfAbsent("io-error", k -> new AtomicInteger()).incrementAndGet();
                }
                attempts.incrementAndGet();
            }
        }));
    }

    private Socket connect() throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(ABUSER, 0));
        s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        s.setSoTimeout(60_000);
        return s;
    }

    /** Whether every thread has begun its first attempt. */
    boolean underWay() {
        return underWay.get() >= threads.size();
    }

    /** Waits for attempts that run once to finish. */
    void awaitEnd() throws InterruptedException {
        for (Thread t : threads) t.join(120_000);
    }

    /** Reads reply lines until one that is not a continuation; null at the end of the stream. */
    static String reply(BufferedReader in) throws IOException {
        String line;
        do {
            line = in.readLine();
            if (line == null) return null;
        } while (line.length() > 3 && line.charAt(3) == '-');
        return line;
    }

    /** Reads to the end of the stream; returns the last reply seen (the one that cut us off). */
    static String lastReply(BufferedReader in) throws IOException {
        String last = "closed";
        String line;
        try {
            while ((line = in.readLine()) != null) last = line;
        } catch (IOException e) {
            // reset by the server after its reply
        }
        return last;
    }

    static void drain(InputStream in) {
        Thread.ofVirtual().start(() -> {
            try {
                in.transferTo(OutputStream.nullOutputStream());
            } catch (IOException ignored) {
                // closed
            }
        });
    }

    static String text(List<String> lines) {
        return String.join("\r\n", lines) + "\r\n";
    }

    static List<String> repeat(String line, int times) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < times; i++) out.add(line);
        return out;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // already gone
            }
        }
        for (Thread t : threads) t.join(30_000);
    }
}
