package org.postloom.dkim;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.postloom.smtp.RelayPolicy;
import org.postloom.smtp.SessionSettings;
import org.postloom.smtp.server.ConnectionLimits;
import org.postloom.smtp.server.ConnectionSettings;
import org.postloom.intake.Intake;
import org.postloom.intake.MessageSigner;
import org.postloom.smtp.server.SmtpMetrics;
import org.postloom.smtp.server.SmtpServer;
import org.postloom.smtp.server.TlsUpgrade;
import org.postloom.spool.Spool;
import org.postloom.spool.SpoolOptions;
import org.postloom.spool.QueueEntry;

/**
 * The real reception path: a live SMTP listener on loopback, the durable spool behind it, and a
 * signer between them. {@link #send} hands a message over SMTP and returns it as stored.
 */
public final class SigningRelay implements AutoCloseable {

    private final Spool spool;
    private final SmtpServer server;
    private final LinkedBlockingQueue<QueueEntry> stored = new LinkedBlockingQueue<>();

    public SigningRelay(Path dir, MessageSigner signer) throws IOException {
        spool = Spool.open(dir, SpoolOptions.defaults().withMinFreeSpace(0), stored::add);
        server = new SmtpServer(List.of(new SmtpServer.Listener(new InetSocketAddress("127.0.0.1", 0), false)),
                new SessionSettings("mx.sign.test", 64 << 20, 10, 10, false,
                        RelayPolicy.of(List.of("127.0.0.0/8"), List.of())),
                new ConnectionSettings(Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(10), 10_000),
                ConnectionLimits.of(1000), spool, TlsUpgrade.NONE, Clock.systemUTC(), SmtpMetrics.none(),
                new Intake(spool, signer, Map.of(), envelope -> { }));
        server.start();
    }

    public InetSocketAddress address() {
        return server.boundAddresses().getFirst();
    }

    /**
     * Sends {@code content} (header and body, CRLF lines) with DATA, or with BDAT in chunks of
     * {@code chunk} octets when it is positive; returns the message as the spool stored it.
     */
    byte[] send(byte[] content, int chunk) throws IOException, InterruptedException {
        try (var client = new Client(address())) {
            client.expect("220");
            client.command("EHLO client.sign.test", "250");
            client.command("MAIL FROM:<sender@sign.test> BODY=8BITMIME", "250");
            client.command("RCPT TO:<rcpt@elsewhere.test>", "250");
            if (chunk > 0) {
                for (int at = 0; at < content.length || at == 0; at += chunk) {
                    int n = Math.min(chunk, content.length - at);
                    boolean last = at + n >= content.length;
                    client.write(("BDAT " + n + (last ? " LAST" : "") + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    client.write(content, at, n);
                    client.expect("250");
                    if (last) break;
                }
            } else {
                client.command("DATA", "354");
                client.write(dotStuffed(content));
                client.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
                client.expect("250");
            }
            client.command("QUIT", "221");
        }
        QueueEntry message = stored.poll(10, TimeUnit.SECONDS);
        if (message == null) throw new IOException("nothing stored");
        try (InputStream body = spool.openBody(message.message().queueId())) {
            return body.readAllBytes();
        }
    }

    /** RFC 5321 4.5.2: a line that starts with a dot gets one more. */
    public static byte[] dotStuffed(byte[] content) {
        var out = new ByteArrayOutputStream(content.length + 64);
        boolean lineStart = true;
        for (byte b : content) {
            if (lineStart && b == '.') out.write('.');
            out.write(b);
            lineStart = b == '\n';
        }
        return out.toByteArray();
    }

    @Override
    public void close() {
        server.close();
        spool.close();
    }

    /** A minimal SMTP client: one command, one reply, checked. */
    public static final class Client implements AutoCloseable {

        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;

        public Client(InetSocketAddress server) throws IOException {
            socket = new Socket();
            socket.setTcpNoDelay(true); // each write is a whole command or body: no Nagle wait
            socket.connect(server, 5000);
            socket.setSoTimeout(60_000);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        }

        public void command(String line, String code) throws IOException {
            write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
            expect(code);
        }

        public void write(byte[] bytes) throws IOException {
            write(bytes, 0, bytes.length);
        }

        void write(byte[] bytes, int off, int len) throws IOException {
            out.write(bytes, off, len);
            out.flush();
        }

        /** Reads one reply (all its lines) and checks its code. */
        public void expect(String code) throws IOException {
            String line;
            do {
                line = line();
                if (!line.startsWith(code)) throw new IOException("expected " + code + ", got: " + line);
            } while (line.length() > 3 && line.charAt(3) == '-');
        }

        private String line() throws IOException {
            var buf = new ByteArrayOutputStream();
            for (int b; (b = in.read()) != '\n'; ) {
                if (b < 0) throw new IOException("connection closed");
                if (b != '\r') buf.write(b);
            }
            return buf.toString(StandardCharsets.UTF_8);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
