package org.postloom.it;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} (Debian package {@code redis-server}) on a loopback address and a
 * free port, nothing kept on disk; it can be stopped and started again on the same port, as an
 * operator's restart would. Missing, it fails the test and names the package.
 */
final class RedisServer implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    private final ExternalTool binary = ExternalTool.require("redis-server", "redis-server");
    private final String host;
    private final int port;
    private final Path log;
    private Process process;

    private RedisServer(String host, int port, Path log) {
        this.host = host;
        this.port = port;
        this.log = log;
    }

    static RedisServer start(String host, Path dir) throws IOException, InterruptedException {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName(host))) {
            port = probe.getLocalPort();
        }
        RedisServer redis = new RedisServer(host, port, dir.resolve("redis.log"));
        redis.start();
        return redis;
    }

    String uri() {
        return "redis://" + host + ":" + port;
    }

    /** Starts (again) on the same address and port, and returns once it answers PING. */
    void start() throws IOException, InterruptedException {
        process = new ProcessBuilder(List.of(binary.binary().toString(), "--bind", host, "--port", Integer.toString(port),
                "--save", "", "--appendonly", "no", "--protected-mode", "no", "--dir", log.getParent().toString()))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) fail("redis-server exited with " + process.exitValue() + "; see " + log);
            if (answersPing()) return;
            Thread.sleep(50);
        }
        fail("redis-server did not answer PING on " + host + ":" + port + " within " + START_TIMEOUT);
    }

    boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Stops it (SIGTERM; SIGKILL if it lingers) and waits until it is gone. */
    void stop() throws InterruptedException {
        if (process == null || !process.isAlive()) return;
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
    }

    private boolean answersPing() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 500);
            s.setSoTimeout(1000);
            OutputStream out = s.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            byte[] reply = new byte[7];
            int n = in.read(reply);
            return n > 0 && new String(reply, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG");
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
