package org.postloom.dns;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.postloom.testing.Await;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * A real dnsmasq (Debian package dnsmasq-base) on 127.0.0.1 and a free port, authoritative for the
 * zone {@code test.} with the records given as dnsmasq options ({@code --mx-host=...},
 * {@code --host-record=...}, {@code --dns-rr=...}). Authoritative mode matters: its NODATA and
 * NXDOMAIN answers carry the zone's SOA, so resolvers cache them (RFC 2308) like real ones.
 * Names outside {@code test.} are REFUSED. Every query is logged, so tests can count them.
 */
public final class DnsmasqServer implements AutoCloseable {

    private static final Path BINARY = Path.of("/usr/sbin/dnsmasq");
    private static final Duration STARTUP = Duration.ofSeconds(10);

    private final Process process;
    private final int port;
    private final Path log;

    private DnsmasqServer(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** Starts on a free port; every answer carries a TTL of {@code ttlSeconds}. */
    public static DnsmasqServer start(int ttlSeconds, String... records) throws IOException {
        IOException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            try {
                return startOn(freeUdpAndTcpPort(), ttlSeconds, records);
            } catch (IOException e) {
                last = e; // another process took the port between our probe and dnsmasq's bind
            }
        }
        throw last;
    }

    /** Starts on {@code port}, for instance to serve other records where an earlier one stood. */
    public static DnsmasqServer startOn(int port, int ttlSeconds, String... records) throws IOException {
        if (!Files.isExecutable(BINARY)) {
            fail(BINARY + " is missing: install the Debian package dnsmasq-base"
                    + " (apt-get install -y dnsmasq-base); these tests need a real DNS server");
        }
        List<String> command = new ArrayList<>(List.of(BINARY.toString(),
                "--no-daemon", "--conf-file=/dev/null", "--pid-file=",
                "--log-queries", "--log-facility=-",
                "--port=" + port, "--listen-address=127.0.0.1", "--bind-interfaces",
                "--no-resolv", "--no-hosts",
                "--auth-server=ns.test,127.0.0.1", "--auth-zone=test",
                "--auth-soa=1,hostmaster.test", "--auth-ttl=" + ttlSeconds,
                "--local-ttl=" + ttlSeconds));
        command.addAll(List.of(records));
        Path log = Files.createTempFile("dnsmasq-", ".log");
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        var server = new DnsmasqServer(process, port, log);
        server.awaitAnswers();
        return server;
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    public int port() {
        return port;
    }

    /**
     * How many queries of {@code type} for {@code name} reached dnsmasq. dnsmasq logs through a
     * queue, so first a marker query is sent and its log line awaited: all earlier lines are in.
     */
    long queriesSeen(String type, String name) throws IOException {
        String marker = "marker-" + UUID.randomUUID() + ".test";
        ask(marker, Duration.ofSeconds(2));
        if (!poll(Duration.ofSeconds(5), () -> Files.readString(log).contains(marker))) {
            fail("dnsmasq did not log the marker query; log:\n" + Files.readString(log));
        }
        String line = "auth[" + type + "] " + name + " from ";
        return Files.readString(log).lines().filter(l -> l.contains(line)).count();
    }

    @Override
    public void close() throws IOException {
        process.destroy(); // SIGTERM: dnsmasq exits cleanly and frees the port
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        Files.deleteIfExists(log);
    }

    private void awaitAnswers() throws IOException {
        boolean answers = poll(STARTUP, () -> {
            if (!process.isAlive()) {
                String output = Files.readString(log);
                Files.deleteIfExists(log);
                throw new IOException("dnsmasq exited (" + process.exitValue() + "):\n" + output);
            }
            return ask("test", Duration.ofMillis(200));
        });
        if (!answers) {
            close();
            fail("dnsmasq did not answer on port " + port + " within " + STARTUP);
        }
    }

    /** Sends one SOA query straight to dnsmasq; true if it answered at all. */
    private boolean ask(String name, Duration timeout) {
        try {
            var resolver = new SimpleResolver(address());
            resolver.setTimeout(timeout);
            Message query = Message.newQuery(
                    Record.newRecord(Name.fromString(name, Name.root), Type.SOA, DClass.IN));
            resolver.send(query);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freeUdpAndTcpPort() throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        while (true) {
            try (var udp = new DatagramSocket(new InetSocketAddress(loopback, 0))) {
                try (var tcp = new ServerSocket(udp.getLocalPort(), 1, loopback)) {
                    return tcp.getLocalPort();
                } catch (IOException busyForTcp) {
                    // try another
                }
            }
        }
    }

    /** A bounded poll for callers that cannot be interrupted: an interrupt ends the wait (and is kept). */
    private static boolean poll(Duration timeout, Await.Condition<IOException> condition) throws IOException {
        try {
            return Await.within(timeout, condition);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
