package org.postloom.smtp.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A raw test client: writes exactly the bytes it is given and reads reply lines. */
final class SmtpClient implements AutoCloseable {

    Socket socket;
    InputStream in;
    OutputStream out;

    private SmtpClient(Socket socket) throws IOException {
        attach(socket);
    }

    static SmtpClient connect(InetSocketAddress server, String localAddress) {
        try {
            Socket s = new Socket();
            s.bind(new InetSocketAddress(localAddress, 0));
            s.connect(server, 5000);
            s.setSoTimeout(10_000);
            return new SmtpClient(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void attach(Socket s) throws IOException {
        socket = s;
        in = s.getInputStream();
        out = s.getOutputStream();
    }

    /** Sends the text as it is: the caller writes every CR and LF. */
    SmtpClient raw(String text) {
        try {
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends each line with CRLF, all in one write (pipelined). */
    SmtpClient send(String... lines) {
        return raw(String.join("\r\n", lines) + "\r\n");
    }

    /** Reads one reply line, without CRLF; null at end of stream. */
    String line() {
        try {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) != -1) {
                if (b == '\n') break;
                buf.write(b);
            }
            if (b == -1 && buf.size() == 0) return null;
            String s = buf.toString(StandardCharsets.UTF_8);
            return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads one whole reply, multi-line replies joined by newline. */
    String reply() {
        List<String> lines = new ArrayList<>();
        String line;
        do {
            line = line();
            if (line == null) break;
            lines.add(line);
        } while (line.length() > 3 && line.charAt(3) == '-');
        return String.join("\n", lines);
    }

    /** Whether the server closed the connection (nothing more to read). */
    boolean closedByServer() {
        return line() == null;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // test cleanup
        }
    }
}
