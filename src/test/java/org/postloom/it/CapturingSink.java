package org.postloom.it;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The next hop the relay delivers to: a small SMTP server on a loopback address that keeps every
 * transaction it acknowledged, with the DATA exactly as it came over the wire (dot-stuffed, final
 * dot included), and misbehaves on demand through its {@link Policy}: refusals, a connection
 * dropped right after the final dot, a stall, a broken STARTTLS. It outlives relay restarts, so
 * it is the witness of what arrived.
 */
final class CapturingSink implements AutoCloseable {

    private static final Pattern QUEUE_ID = Pattern.compile("\\A(?:[^\r\n]+\r\n)*?Received: from [^\r\n]*\r\n\tby \\S+ \\(Postloom\\) with \\S+ id (\\w+)");
    private static final Pattern MESSAGE_ID = Pattern.compile("(?im)^Message-ID: *<([^>\r\n]+)>");

    /** One transaction the sink answered 250 to. */
    record Delivery(String queueId, String messageId, List<String> recipients, byte[] wireData) {
        /** The content with dot-stuffing undone and the final dot removed. */
        String content() {
            String wire = new String(wireData, StandardCharsets.ISO_8859_1);
            String body = wire.substring(0, wire.length() - 3);        // ".\r\n"
            return (body.startsWith("..") ? body.substring(1) : body).replace("\r\n..", "\r\n.");
        }
    }

    /** What the sink does after the final dot. */
    enum AfterDot { ACCEPT, TEMPFAIL, DROP, STALL }

    /** How the sink behaves; change it at any time, it applies to the next command. */
    interface Policy {
        /** A reply that refuses the connection at once (421 ...), or null to greet. */
        default String greeting(int connection) {
            return null;
        }

        default String mail(int transaction) {
            return "250 2.1.0 Ok";
        }

        default String rcpt(String address, int transaction) {
            return "250 2.1.5 Ok";
        }

        default AfterDot afterDot(Delivery delivery, int transaction) {
            return AfterDot.ACCEPT;
        }

        /** Offer STARTTLS, say 220, then answer the ClientHello with garbage. */
        default boolean brokenStartTls() {
            return false;
        }
    }

    static final Policy ACCEPT_ALL = new Policy() {};

    /** One connection as the sink saw it: the peer's address, its EHLO name, when each MAIL came. */
    static final class Connection {
        final String peer;
        final Instant opened = Instant.now();
        volatile Instant closed;
        volatile String ehlo;
        final List<Instant> mails = new CopyOnWriteArrayList<>();
        final List<String> recipients = new CopyOnWriteArrayList<>();

        Connection(String peer) {
            this.peer = peer;
        }
    }

    /** Every connection, in the order they came. */
    final List<Connection> connectionLog = new CopyOnWriteArrayList<>();

    /** Most connections open at once, among those {@code which} selects. */
    int peakConnections(java.util.function.Predicate<Connection> which) {
        List<long[]> events = new ArrayList<>();
        for (Connection c : connectionLog) {
            if (!which.test(c)) continue;
            events.add(new long[] {c.opened.toEpochMilli() * 1000, 1});
            Instant end = c.closed == null ? Instant.now() : c.closed;
            events.add(new long[] {end.toEpochMilli() * 1000 - 1, -1}); // a close just before a same-millisecond open
        }
        events.sort(java.util.Comparator.comparingLong((long[] e) -> e[0]));
        int now = 0, peak = 0;
        for (long[] e : events) peak = Math.max(peak, now += (int) e[1]);
        return peak;
    }

    /** Every MAIL time, of the connections {@code which} selects, in order. */
    List<Instant> mailTimes(java.util.function.Predicate<Connection> which) {
        return connectionLog.stream().filter(which).flatMap(c -> c.mails.stream()).sorted().toList();
    }

    final List<Delivery> accepted = new CopyOnWriteArrayList<>();
    /** Every RCPT address the sink was offered, in order, whatever it answered. */
    final List<String> rcptsOffered = new CopyOnWriteArrayList<>();
    final AtomicInteger stalled = new AtomicInteger();
    final AtomicInteger dropped = new AtomicInteger();
    final AtomicInteger brokenHandshakes = new AtomicInteger();
    private final AtomicInteger connections = new AtomicInteger();
    /** When each accepted transaction was answered 250 ({@link System#nanoTime}), in order. */
    final List<Long> acceptedAt = new CopyOnWriteArrayList<>();
    private final AtomicInteger openNow = new AtomicInteger();
    /** The most connections the sink had open at once since it started (or since {@link #resetPeak}). */
    final AtomicInteger peakOpen = new AtomicInteger();
    private final AtomicInteger transactions = new AtomicInteger();
    private final ServerSocket server;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private volatile Policy policy;

    private CapturingSink(ServerSocket server, Policy policy) {
        this.server = server;
        this.policy = policy;
        Thread.ofVirtual().name("sink-accept").start(this::acceptLoop);
    }

    static CapturingSink start(String host, Policy policy) throws IOException {
        return start(host, 0, policy);
    }

    static CapturingSink start(String host, int port, Policy policy) throws IOException {
        ServerSocket server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getByName(host), port), 1000);
        return new CapturingSink(server, policy);
    }

    int port() {
        return server.getLocalPort();
    }

    void resetPeak() {
        peakOpen.set(openNow.get());
    }

    int openNow() {
        return openNow.get();
    }

    /** Forgets what it accepted and counted, for the next part of a test that keeps the sink. */
    void forget() {
        accepted.clear();
        acceptedAt.clear();
        stalled.set(0);
        resetPeak();
    }

    void policy(Policy newPolicy) {
        policy = newPolicy;
    }

    /** How often each queue id arrived (by the relay's Received header). */
    Map<String, Integer> arrivalsByQueueId() {
        Map<String, Integer> counts = new ConcurrentHashMap<>();
        for (Delivery d : accepted) if (d.queueId() != null) counts.merge(d.queueId(), 1, Integer::sum);
        return counts;
    }

    /** How often each recipient got each Message-ID: "rcpt messageId" keys. */
    Map<String, Integer> arrivalsByRecipient() {
        Map<String, Integer> counts = new ConcurrentHashMap<>();
        for (Delivery d : accepted) for (String r : d.recipients()) counts.merge(r + " " + d.messageId(), 1, Integer::sum);
        return counts;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                open.add(socket);
                Thread.ofVirtual().name("sink-" + socket.getPort()).start(() -> serve(socket));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        peakOpen.accumulateAndGet(openNow.incrementAndGet(), Math::max);
        // Closed as soon as QUIT comes (the relay may count it closed before it reads 221) or at EOF,
        // in the open count and in the connection log alike: a log closed only after the 221 was
        // written could overlap the relay's next connection on a loaded machine.
        Connection seen = new Connection(socket.getInetAddress().getHostAddress());
        var counted = new java.util.concurrent.atomic.AtomicBoolean(true);
        Runnable leave = () -> {
            if (counted.getAndSet(false)) {
                openNow.decrementAndGet();
                seen.closed = Instant.now();
            }
        };
        connectionLog.add(seen);
        try (socket) {
            socket.setSoTimeout(120_000);
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            String refusal = policy.greeting(connections.incrementAndGet());
            if (refusal != null) {
                say(out, refusal);
                return;
            }
            say(out, "220 sink.test ESMTP");
            List<String> rcpts = new ArrayList<>();
            int transaction = 0;
            byte[] line;
            while ((line = readLine(in)) != null) {
                String command = new String(line, StandardCharsets.UTF_8).strip();
                String verb = command.split(" ", 2)[0].toUpperCase(Locale.ROOT);
                switch (verb) {
                    case "EHLO" -> {
                        seen.ehlo = command.substring(4).strip();
                        say(out, "250-sink.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n"
                            + (policy.brokenStartTls() ? "250-STARTTLS\r\n" : "") + "250 SIZE 200000000");
                    }
                    case "HELO" -> say(out, "250 sink.test");
                    case "STARTTLS" -> {
                        say(out, "220 2.0.0 Ready to start TLS");
                        in.read(new byte[512]);                 // the ClientHello, answered with garbage
                        brokenHandshakes.incrementAndGet();
                        say(out, "this is not a TLS handshake");
                        return;
                    }
                    case "MAIL" -> {
                        seen.mails.add(Instant.now());
                        rcpts.clear();
                        transaction = transactions.incrementAndGet();
                        String reply = policy.mail(transaction);
                        say(out, reply);
                        if (reply.startsWith("421")) return;
                    }
                    case "RCPT" -> {
                        String address = command.replaceAll("(?i)^RCPT TO:\\s*<([^>]*)>.*", "$1");
                        rcptsOffered.add(address);
                        seen.recipients.add(address);
                        String reply = policy.rcpt(address, transaction);
                        if (reply.startsWith("2")) rcpts.add(address);
                        say(out, reply);
                        if (reply.startsWith("421")) return;
                    }
                    case "DATA" -> {
                        if (rcpts.isEmpty()) {
                            say(out, "554 5.5.1 No valid recipients");
                            continue;
                        }
                        say(out, "354 End data with <CR><LF>.<CR><LF>");
                        byte[] data = readData(in);
                        if (data == null) return;
                        Delivery delivery = delivery(data, List.copyOf(rcpts));
                        switch (policy.afterDot(delivery, transaction)) {
                            case ACCEPT -> {
                                accepted.add(delivery);
                                acceptedAt.add(System.nanoTime());
                                say(out, "250 2.0.0 Ok: queued");
                            }
                            case TEMPFAIL -> say(out, "451 4.3.0 Try again later");
                            case DROP -> {
                                dropped.incrementAndGet();
                                return;
                            }
                            case STALL -> {
                                stalled.incrementAndGet();
                                while (in.read() >= 0) {
                                    // hold the relay until it gives up or dies
                                }
                                return;
                            }
                        }
                        rcpts.clear();
                    }
                    case "RSET" -> {
                        rcpts.clear();
                        say(out, "250 2.0.0 Ok");
                    }
                    case "NOOP" -> say(out, "250 2.0.0 Ok");
                    case "QUIT" -> {
                        leave.run();
                        say(out, "221 2.0.0 Bye");
                        return;
                    }
                    default -> say(out, "502 5.5.2 Unknown command");
                }
            }
        } catch (IOException e) {
            // the relay went away (killed, or it gave up on us)
        } finally {
            leave.run();
            open.remove(socket);
        }
    }

    private static Delivery delivery(byte[] wire, List<String> rcpts) {
        Delivery raw = new Delivery(null, null, rcpts, wire);
        String content = raw.content();
        Matcher q = QUEUE_ID.matcher(content);
        Matcher m = MESSAGE_ID.matcher(content);
        return new Delivery(q.find() ? q.group(1) : null, m.find() ? m.group(1) : null, rcpts, wire);
    }

    /** The DATA bytes up to and including the line "." CRLF that follows a CRLF. */
    private static byte[] readData(InputStream in) throws IOException {
        var data = new ByteArrayOutputStream();
        boolean afterCrlf = true;
        byte[] line;
        while ((line = readLine(in)) != null) {
            data.writeBytes(line);
            if (afterCrlf && Arrays.equals(line, new byte[] {'.', '\r', '\n'})) return data.toByteArray();
            afterCrlf = line.length >= 2 && line[line.length - 2] == '\r';
        }
        return null;
    }

    /** One line with its terminator (split at LF only, so a bare CR stays visible), or null at the end. */
    private static byte[] readLine(InputStream in) throws IOException {
        var line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            line.write(b);
            if (b == '\n') return line.toByteArray();
        }
        return line.size() == 0 ? null : line.toByteArray();
    }

    private static void say(OutputStream out, String reply) throws IOException {
        out.write((reply + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : open) s.close();
    }
}
