package org.postloom.it;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.postloom.testing.Await;

/**
 * The real relay, {@code org.postloom.cli.Main} with no arguments, in its own JVM: configured only
 * through {@code POSTLOOM_*} environment variables, as an operator would, listening on free
 * loopback ports, and logging to a file beside its spool. Closing stops it (SIGTERM, then SIGKILL).
 */
final class RelayProcess implements AutoCloseable {

    static final String HOSTNAME = "relay.postloom.test";
    /** Generous: on a loaded 2-core machine a JVM with Helidon took over 20 s to start. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    /** Logged once the listeners accept; the spool's queue is recovered after it, in the background. */
    private static final Pattern STARTED = Pattern.compile("(\\S+) INFO org.postloom started hostname=");
    private static final Pattern RECOVERED = Pattern.compile("spool: recovered segments=\\d+ messages=(\\d+)");

    /**
     * How to run a relay. The spool lives in {@code workDir/spool}, so a second start on the same
     * settings finds the first one's mail.
     */
    static final class Settings {
        private final Path workDir;
        private final Map<String, String> environment = new LinkedHashMap<>();
        private final List<String> jvmFlags = new ArrayList<>();
        private boolean implicitTls;
        private String host = "127.0.0.1";

        private Settings(Path workDir) {
            this.workDir = workDir;
        }

        static Settings in(Path workDir) {
            return new Settings(workDir);
        }

        /** The loopback address the relay listens on (SMTP and admin); {@code 127.0.0.1} unless set. */
        Settings host(String address) {
            host = address;
            return this;
        }

        Settings relayNetworks(String cidrs) {
            return set("POSTLOOM_RELAY_NETWORKS", cidrs);
        }

        Settings relayDomains(String domains) {
            return set("POSTLOOM_RELAY_DOMAINS", domains);
        }

        /** Also listen for SMTPS (RFC 8314) on a second free port. */
        Settings implicitTls() {
            implicitTls = true;
            return this;
        }

        Settings set(String variable, String value) {
            environment.put(variable, value);
            return this;
        }

        Path spoolDir() {
            return workDir.resolve("spool");
        }

        List<String> jvmFlags() {
            return List.copyOf(jvmFlags);
        }

        /** Runs the relay's JVM with the flags {@code bin/postloom} gives it (its default_jvm_flags line). */
        Settings withLauncherJvmFlags() throws IOException {
            Path launcher = Path.of(System.getProperty("user.dir"), "bin", "postloom");
            Matcher flags = Pattern.compile("(?m)^default_jvm_flags=\"([^\"]*)\"").matcher(Files.readString(launcher));
            if (!flags.find()) throw new IllegalStateException("no default_jvm_flags line in " + launcher);
            jvmFlags.addAll(List.of(flags.group(1).trim().split("\\s+")));
            return this;
        }
    }

    private final Process process;
    private final Path logFile;
    private final int smtpPort;
    private final int adminPort;
    private String host;
    private final OptionalInt implicitTlsPort;
    private final int recoveredAtStart;
    private Instant startedAt;

    private RelayProcess(Process process, Path logFile, int smtpPort, int adminPort, OptionalInt implicitTlsPort,
                         int recovered) {
        this.process = process;
        this.adminPort = adminPort;
        this.logFile = logFile;
        this.smtpPort = smtpPort;
        this.implicitTlsPort = implicitTlsPort;
        this.recoveredAtStart = recovered;
    }

    /**
     * Starts the relay and returns once it logged that it is up and has recovered its queue
     * (listeners bound, then recovery done: {@link #startedAt()} is when it began accepting).
     */
    static RelayProcess start(Settings settings) throws IOException, InterruptedException {
        Files.createDirectories(settings.workDir);
        int[] ports = freeLoopbackPorts(4, settings.host);
        int smtpPort = ports[0];
        OptionalInt implicitTlsPort = settings.implicitTls ? OptionalInt.of(ports[1]) : OptionalInt.empty();
        Path logFile = nextLogFile(settings.workDir);

        // A test that measures the relay as it runs in production asks for the launcher's flags.
        var command = JavaCommand.forRelay(settings.jvmFlags.isEmpty() ? JavaCommand.SHORT_LIVED : settings.jvmFlags);
        var builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(logFile.toFile());
        Map<String, String> env = builder.environment();
        // Only what the test says: no setting may leak in from the developer's shell.
        env.keySet().removeIf(name -> name.startsWith("POSTLOOM_"));
        env.put("POSTLOOM_HOSTNAME", HOSTNAME);
        env.put("POSTLOOM_SPOOL_DIR", settings.spoolDir().toString());
        env.put("POSTLOOM_SMTP_LISTEN", settings.host + ":" + smtpPort);
        // The admin plane is not under test, but two relays must never fight over its default port.
        env.put("POSTLOOM_ADMIN_LISTEN", settings.host + ":" + ports[2]);
        // No mail may leave loopback, and accepted mail must stay queued for the recovery checks:
        // a resolver that never answers (nothing listens on that UDP port) and a delivery port that
        // refuses leave an outbound engine nothing to do but defer.
        env.put("POSTLOOM_DNS_SERVERS", "127.0.0.1:" + ports[3]);
        env.put("POSTLOOM_DELIVERY_PORT", Integer.toString(ports[3]));
        implicitTlsPort.ifPresent(port -> env.put("POSTLOOM_SMTP_IMPLICIT_TLS_LISTEN", "127.0.0.1:" + port));
        env.putAll(settings.environment);

        Process process = builder.start();
        boolean up = Await.within(START_TIMEOUT, () -> {
            String log = readLog(logFile);
            if (STARTED.matcher(log).find() && RECOVERED.matcher(log).find()) return true;
            if (!process.isAlive()) {
                fail("the relay exited with " + process.exitValue() + " before it started; its log:\n" + readLog(logFile));
            }
            return false;
        });
        if (up) {
            String log = readLog(logFile);
            Matcher started = STARTED.matcher(log);
            Matcher recovered = RECOVERED.matcher(log);
            if (started.find() && recovered.find()) {
                var relay = new RelayProcess(process, logFile, smtpPort, ports[2], implicitTlsPort,
                        Integer.parseInt(recovered.group(1)));
                relay.startedAt = Instant.parse(started.group(1));
                relay.host = settings.host;
                return relay;
            }
        }
        process.destroyForcibly().waitFor();
        return fail("the relay did not log 'started hostname=' and 'spool: recovered' within " + START_TIMEOUT + "; its log:\n"
                + readLog(logFile));
    }

    int smtpPort() {
        return smtpPort;
    }

    /**
     * The value of one sample on the relay's {@code /metrics} (Prometheus text), e.g.
     * {@code postloom_queue_messages}; NaN when it is not there.
     */
    double metric(String name) throws IOException, InterruptedException {
        var client = java.net.http.HttpClient.newHttpClient();
        var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + adminPort + "/metrics")).build();
        String body = client.send(request, java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        return body.lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(Double.NaN);
    }

    /** The address it listens on. */
    String host() {
        return host;
    }

    /** The admin plane's port (on the settings' host). */
    int adminPort() {
        return adminPort;
    }

    int implicitTlsPort() {
        return implicitTlsPort.orElseThrow(() -> new IllegalStateException("started without implicitTls()"));
    }

    boolean isAlive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    /** When the relay logged that its listeners accept (its own clock, the machine's). */
    Instant startedAt() {
        return startedAt;
    }

    /** The N of the recovery line's {@code messages=N}: live messages found in the spool at start. */
    int recoveredAtStart() {
        return recoveredAtStart;
    }

    String log() {
        return readLog(logFile);
    }

    List<String> logLines(String containing) {
        return log().lines().filter(line -> line.contains(containing)).toList();
    }

    /** Waits until the log has at least {@code count} lines containing {@code fragment}; returns them. */
    List<String> awaitLogLines(String fragment, int count, Duration timeout) throws InterruptedException {
        Await.within(timeout, () -> logLines(fragment).size() >= count);
        return logLines(fragment);
    }

    /** Resident memory of the relay's JVM now, from the kernel ({@code VmRSS} in /proc/PID/status). */
    long residentKiB() throws IOException {
        return procStatusKiB("VmRSS:");
    }

    /** The most resident memory the relay's JVM ever had ({@code VmHWM}). */
    long peakResidentKiB() throws IOException {
        return procStatusKiB("VmHWM:");
    }

    /** File descriptors the relay holds now: each open session is one socket. */
    long openDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid()), "fd"))) {
            return fds.count();
        }
    }

    private long procStatusKiB(String field) throws IOException {
        return Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status")).stream()
                .filter(line -> line.startsWith(field))
                .map(line -> Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no " + field + " for pid " + pid()));
    }

    /** A crash: SIGKILL, no shutdown hook, no chance to flush anything it had not already made durable. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("relay pid " + pid() + " survived SIGKILL");
        }
    }

    /** An orderly stop (SIGTERM runs the shutdown hook); SIGKILL if it does not exit in time. */
    @Override
    public void close() throws InterruptedException {
        if (!process.isAlive()) return;
        process.destroy();
        if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) kill();
    }

    /** The end of the log, for a failed test's report (the whole log can hold 10,000 connection lines). */
    String logTail(int lines) {
        List<String> all = log().lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    Path logFile() {
        return logFile;
    }

    private static Path nextLogFile(Path workDir) throws IOException {
        try (Stream<Path> files = Files.list(workDir)) {
            long earlier = files.filter(f -> f.getFileName().toString().matches("relay-\\d+\\.log")).count();
            return workDir.resolve("relay-" + (earlier + 1) + ".log");
        }
    }

    private static String readLog(Path logFile) {
        try {
            return new String(Files.readAllBytes(logFile), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + logFile + ": " + e + ")";
        }
    }

    /**
     * Distinct ports nobody listens on right now (all held open together, so the kernel cannot hand
     * out one twice). The relay binds them a moment later; tests here run one at a time.
     */
    private static int[] freeLoopbackPorts(int count, String host) throws IOException {
        var sockets = new ArrayList<ServerSocket>();
        try {
            for (int i = 0; i < count; i++) sockets.add(new ServerSocket(0, 1, InetAddress.getByName(host)));
            return sockets.stream().mapToInt(ServerSocket::getLocalPort).toArray();
        } finally {
            for (ServerSocket socket : sockets) socket.close();
        }
    }
}
