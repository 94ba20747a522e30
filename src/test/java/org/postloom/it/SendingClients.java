package org.postloom.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.postloom.testing.Await;

/**
 * Many clients sending to the relay at once, each transaction after the other on its connection,
 * recording what the relay acknowledged with 250 and how each connection ended.
 */
final class SendingClients implements AutoCloseable {

    private static final Pattern QUEUED = Pattern.compile("^250 2\\.0\\.0 Ok: queued as (\\w+)");

    /** How a connection ended. */
    enum Ending { GOODBYE_421, NO_REPLY, REFUSED_AT_CONNECT, STOPPED }

    final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    final List<Ending> endings = new CopyOnWriteArrayList<>();
    final List<String> lastReplies = new CopyOnWriteArrayList<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();

    SendingClients(int port, int sessions) {
        for (int i = 0; i < sessions; i++) {
            int n = i;
            threads.add(Thread.ofVirtual().start(() -> run(port, n)));
        }
    }

    private void run(int port, int n) {
        int message = 0;
        while (!stop.get()) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                s.setSoTimeout(30_000);
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                OutputStream out = s.getOutputStream();
                if (!expect(in, "220")) return;
                out.write("EHLO sender.test\r\n".getBytes(StandardCharsets.US_ASCII));
                if (!expect(in, "250")) return;
                while (!stop.get()) {
                    String id = "m" + n + "." + message++;
                    out.write(("MAIL FROM:<s@sender.test>\r\nRCPT TO:<r@dest.test>\r\nDATA\r\n").getBytes(StandardCharsets.US_ASCII));
                    if (!expect(in, "250") || !expect(in, "250") || !expect(in, "354")) return;
                    out.write(("Message-ID: <" + id + "@sender.test>\r\nSubject: " + id + "\r\n\r\n"
                            + "x".repeat(900) + "\r\nEND " + id + "\r\n.\r\n").getBytes(StandardCharsets.US_ASCII));
                    String reply = in.readLine();
                    if (reply == null) {
                        endings.add(Ending.NO_REPLY);
                        lastReplies.add("end of stream waiting for the end-of-data reply");
                        return;
                    }
                    Matcher queued = QUEUED.matcher(reply);
                    if (!queued.find()) {
                        end(reply);
                        return;
                    }
                    acknowledged.add(queued.group(1));
                }
                out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
                endings.add(Ending.STOPPED);
                return;
            } catch (java.net.ConnectException e) {
                endings.add(Ending.REFUSED_AT_CONNECT);
                return;
            } catch (IOException e) {
                endings.add(Ending.NO_REPLY);
                lastReplies.add(e.toString());
                return;
            }
        }
    }

    /** Reads one reply (skipping continuation lines); false and records the ending if it is not {@code code}. */
    private boolean expect(BufferedReader in, String code) throws IOException {
        String line;
        do {
            line = in.readLine();
            if (line == null) {
                endings.add(Ending.NO_REPLY);
                lastReplies.add("end of stream waiting for " + code);
                return false;
            }
        } while (line.length() > 3 && line.charAt(3) == '-');
        if (line.startsWith(code)) return true;
        end(line);
        return false;
    }

    private void end(String reply) {
        lastReplies.add(reply);
        endings.add(reply.startsWith("421") ? Ending.GOODBYE_421 : Ending.NO_REPLY);
    }

    /** Waits until at least {@code count} messages were acknowledged. */
    void awaitAcknowledged(int count) throws InterruptedException {
        Await.within(Duration.ofSeconds(60), () -> acknowledged.size() >= count);
    }

    /** Waits for every client to finish (the relay ended their sessions, or stop was asked). */
    void awaitEnd() throws InterruptedException {
        for (Thread t : threads) t.join(60_000);
    }

    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        awaitEnd();
    }
}
