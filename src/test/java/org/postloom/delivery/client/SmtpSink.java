package org.postloom.delivery.client;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Postfix's smtp-sink (Debian package postfix) on a loopback address and a free port, capturing
 * each transaction to a file in {@code dumps}. Options as in {@code man smtp-sink}: {@code -r RCPT}
 * (4xx), {@code -f MAIL} (5xx), {@code -Q CONNECT} (421), {@code -q .} (drop), {@code -p} (no
 * PIPELINING), {@code -e} (no ESMTP).
 */
public final class SmtpSink implements AutoCloseable {

    private static final Path BINARY = Path.of("/usr/sbin/smtp-sink");

    private final Process process;
    private final InetSocketAddress address;
    private final Path dumps;

    private SmtpSink(Process process, InetSocketAddress address, Path dumps) {
        this.process = process;
        this.address = address;
        this.dumps = dumps;
    }

    public static SmtpSink start(String host, Path workDir, String... options) throws IOException, InterruptedException {
        if (!Files.isExecutable(BINARY)) {
            fail(BINARY + " is missing: install the Debian package postfix (apt-get install -y postfix)");
        }
        Path dumps = Files.createDirectories(workDir.resolve("dumps"));
        InetSocketAddress address = new InetSocketAddress(host, freePort(host));
        List<String> command = new ArrayList<>(List.of(BINARY.toString()));
        if ("root".equals(System.getProperty("user.name"))) command.addAll(List.of("-u", "root")); // required as root
        command.addAll(List.of("-d", dumps + "/msg."));
        command.addAll(List.of(options));
        command.addAll(List.of(host + ":" + address.getPort(), "10"));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(workDir.resolve("smtp-sink.log").toFile()).start();
        SmtpSink sink = new SmtpSink(process, address, dumps);
        sink.awaitListening(workDir);
        return sink;
    }

    public InetSocketAddress address() {
        return address;
    }

    /** The captured transactions, as text. */
    public List<String> messages() throws IOException {
        try (Stream<Path> files = Files.list(dumps)) {
            return files.sorted().map(SmtpSink::read).toList();
        }
    }

    private void awaitListening(Path workDir) throws IOException, InterruptedException {
        for (int i = 0; i < 100; i++) {
            if (!process.isAlive()) fail("smtp-sink exited: " + Files.readString(workDir.resolve("smtp-sink.log")));
            try (Socket probe = new Socket()) {
                probe.connect(address, 200);
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        fail("smtp-sink did not listen on " + address);
    }

    private static int freePort(String host) throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getByName(host))) {
            return probe.getLocalPort();
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor();
    }
}
