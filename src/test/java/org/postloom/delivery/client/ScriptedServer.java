package org.postloom.delivery.client;

import java.time.Duration;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.postloom.testing.Await;

/**
 * A tiny server that plays a script, for what real servers will not do on demand: drop the
 * connection after the final dot, inject data after 220, break TLS, stay silent.
 */
final class ScriptedServer implements AutoCloseable {

    @FunctionalInterface
    interface Script {
        void play(Peer peer) throws IOException;
    }

    /** One accepted connection, seen from the server. */
    static final class Peer {
        final Socket socket;
        final int number;
        private final InputStream in;
        private final OutputStream out;
        private final List<String> log;

        Peer(Socket socket, int number, List<String> log) throws IOException {
            this.socket = socket;
            this.number = number;
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
            this.log = log;
        }

        /** Writes each line with CRLF, in one write. */
        void say(String... lines) throws IOException {
            out.write((String.join("\r\n", lines) + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        /** The next line without CRLF; logged. */
        String line() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) != '\n') {
                if (b < 0) throw new EOFException();
                line.write(b);
            }
            String text = line.toString(StandardCharsets.UTF_8).replaceFirst("\r$", "");
            log.add(text);
            return text;
        }

        /** Answers EHLO, MAIL and RCPT with success until DATA, which is returned unanswered. */
        String greetAndAcceptUntil(String stopVerb, String... ehloKeywords) throws IOException {
            say("220 scripted.test ESMTP");
            while (true) {
                String command = line();
                String verb = command.split(" ")[0].toUpperCase();
                if (verb.equals(stopVerb)) return command;
                switch (verb) {
                    case "EHLO" -> {
                        String[] lines = new String[ehloKeywords.length + 1];
                        lines[0] = "250" + (ehloKeywords.length > 0 ? "-" : " ") + "scripted.test";
                        for (int i = 0; i < ehloKeywords.length; i++) {
                            lines[i + 1] = "250" + (i == ehloKeywords.length - 1 ? " " : "-") + ehloKeywords[i];
                        }
                        say(lines);
                    }
                    case "QUIT" -> {
                        say("221 2.0.0 Bye");
                        return command;
                    }
                    default -> say("250 2.0.0 Ok");
                }
            }
        }

        /** Reads data lines up to the lone dot; returns them, still dot-stuffed. */
        List<String> dataUntilDot() throws IOException {
            List<String> lines = new java.util.ArrayList<>();
            for (String line = line(); !line.equals("."); line = line()) lines.add(line);
            return lines;
        }
    }

    private final ServerSocket server;
    private final List<String> received = new CopyOnWriteArrayList<>();

    ScriptedServer(String host, Script script) throws IOException {
        server = new ServerSocket(0, 10, InetAddress.getByName(host));
        Thread.ofVirtual().start(() -> {
            int number = 0;
            while (!server.isClosed()) {
                try {
                    Socket socket = server.accept();
                    Peer peer = new Peer(socket, ++number, received);
                    Thread.ofVirtual().start(() -> {
                        try (socket) {
                            script.play(peer);
                        } catch (IOException e) {
                            // the client left; the test judges what the client saw
                        }
                    });
                } catch (IOException closed) {
                    return;
                }
            }
        });
    }

    InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    /** Every line the server read, over all connections. */
    List<String> received() {
        return received;
    }

    /** {@link #received()} once it holds {@code count} lines, or after two seconds. */
    List<String> awaitReceived(int count) throws InterruptedException {
        Await.within(Duration.ofSeconds(2), () -> received.size() >= count);
        return received;
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
