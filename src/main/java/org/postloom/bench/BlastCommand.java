package org.postloom.bench;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/postloom bench blast}: the load generator. Progress once a second on stderr; one JSON
 * line with the totals and the latency percentiles on stdout at the end, for {@code bench/run}.
 */
@Command(name = "blast", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"SMTP load generator: many sessions on virtual threads, blocking sockets.",
                "Latency is timed from the flush of the final '.' to its reply (HdrHistogram)."})
public final class BlastCommand implements Callable<Integer> {

    @Option(names = "--server", description = "host:port (default ${DEFAULT-VALUE})", defaultValue = "127.0.0.1:2525")
    String server;

    @Option(names = "--sessions", description = "concurrent SMTP sessions (default ${DEFAULT-VALUE})", defaultValue = "50")
    int sessions;

    @Option(names = "--messages", description = "messages in total over all sessions (default 10000 unless --duration)")
    Long messages;

    @Option(names = "--duration", description = "run for this long instead: 30, 30s, 2m or PT30S")
    String duration;

    @Option(names = "--size", description = "message size in octets, headers included (default ${DEFAULT-VALUE})", defaultValue = "1024")
    int size;

    @Option(names = "--recipients", description = "recipients per message (default ${DEFAULT-VALUE})", defaultValue = "1")
    int recipients;

    @Option(names = "--domains", description = "recipient domains d1.bench.test..dN.bench.test, round robin (default ${DEFAULT-VALUE})",
            defaultValue = "1")
    int domains;

    @Option(names = "--starttls", description = "STARTTLS on every connection (certificate not verified)")
    boolean starttls;

    @Option(names = "--no-pipelining", description = "wait for each reply even when the server offers PIPELINING")
    boolean noPipelining;

    @Option(names = "--from", description = "sender pattern; {n} message, {s} session (default ${DEFAULT-VALUE})",
            defaultValue = "bench{s}@src.bench.test")
    String from;

    @Option(names = "--to", description = "recipient pattern; {n} message, {s} session, {r} recipient, {d} domain (default ${DEFAULT-VALUE})",
            defaultValue = "user{n}.{r}@d{d}.bench.test")
    String to;

    @Option(names = "--helo", description = "EHLO name (default ${DEFAULT-VALUE})", defaultValue = "blast.bench.test")
    String helo;

    @Option(names = "--messages-per-connection", description = "QUIT and reconnect after this many; 0 = never (default ${DEFAULT-VALUE})",
            defaultValue = "0")
    int messagesPerConnection;

    @Option(names = "--rate", description = "pace the whole run to this many messages/s; 0 = as fast as possible (default ${DEFAULT-VALUE})",
            defaultValue = "0")
    double rate;

    @Option(names = "--timeout", description = "connect and reply timeout (default ${DEFAULT-VALUE})", defaultValue = "60s")
    String timeout;

    @Option(names = "--idle", description = "idle mode: open N sessions, read the greetings, hold them, report the time to accept all")
    Integer idle;

    @Option(names = "--hold", description = "idle mode: how long to hold the sessions once all are greeted (default ${DEFAULT-VALUE})",
            defaultValue = "5s")
    String hold;

    @Option(names = "--connect-parallelism", description = "idle mode: connects in flight at once (default ${DEFAULT-VALUE})",
            defaultValue = "256")
    int connectParallelism;

    @Override
    public Integer call() throws Exception {
        Json result;
        if (idle != null) {
            if (idle < 1) throw new IllegalArgumentException("--idle must be at least 1");
            result = new Idler(hostPort(server), idle, connectParallelism, parseDuration(hold), parseDuration(timeout), System.err).run();
        } else {
            result = new Blaster(plan(), System.err).run();
        }
        System.out.println(result);
        System.out.flush();
        return 0;
    }

    /** The options as a checked plan; separate from {@link #call()} so that tests can parse without a server. */
    BlastPlan plan() {
        if (messages != null && duration != null) throw new IllegalArgumentException("give --messages or --duration, not both");
        Duration runFor = duration == null ? null : parseDuration(duration);
        long total = messages != null ? messages : runFor == null ? 10_000 : 0;
        return new BlastPlan(hostPort(server), sessions, total, runFor, size, recipients, domains, starttls, !noPipelining,
                AddressPattern.parse(from), AddressPattern.parse(to), helo, messagesPerConnection, rate, parseDuration(timeout));
    }

    /** {@code 30} (seconds), {@code 30s}, {@code 500ms}, {@code 2m}, or ISO-8601 {@code PT30S}. */
    static Duration parseDuration(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        try {
            if (t.startsWith("pt") || t.startsWith("p")) return Duration.parse(t.toUpperCase(Locale.ROOT));
            if (t.endsWith("ms")) return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            if (t.endsWith("s")) return Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 1000));
            if (t.endsWith("m")) return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)) * 60);
            return Duration.ofMillis(Math.round(Double.parseDouble(t) * 1000));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a duration: " + text + " (try 30, 30s, 500ms, 2m or PT30S)");
        }
    }

    /** {@code host:port}; IPv6 as {@code [::1]:25}. No name lookups: the bench talks to addresses. */
    static InetSocketAddress hostPort(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) throw new IllegalArgumentException("expected host:port, got " + text);
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad port in " + text);
        }
        if (port < 1 || port > 65535) throw new IllegalArgumentException("port out of range in " + text);
        return new InetSocketAddress(host, port);
    }
}
