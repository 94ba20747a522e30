package org.postloom.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Hands single messages to the relay over one SMTP session each, and says what it answered. */
final class MessageSender {

    private static final Pattern QUEUED = Pattern.compile("^250 2\\.0\\.0 Ok: queued as (\\w+)");

    private MessageSender() {}

    /**
     * Sends {@code content} (CRLF lines, not yet dot-stuffed) with DATA; returns the queue id the
     * relay gave it, or throws with the reply that refused it.
     */
    static String send(int port, String from, List<String> to, String content) throws IOException {
        return send("127.0.0.1", port, from, to, content);
    }

    static String send(String host, int port, String from, List<String> to, String content) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 5000);
            s.setSoTimeout(30_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
            OutputStream out = s.getOutputStream();
            expect(in, "220");
            out.write("EHLO sender.test\r\n".getBytes(StandardCharsets.US_ASCII));
            expect(in, "250");
            var commands = new StringBuilder("MAIL FROM:<" + from + ">\r\n");
            to.forEach(r -> commands.append("RCPT TO:<").append(r).append(">\r\n"));
            commands.append("DATA\r\n");
            out.write(commands.toString().getBytes(StandardCharsets.UTF_8));
            expect(in, "250");
            for (int i = 0; i < to.size(); i++) expect(in, "250");
            expect(in, "354");
            String stuffed = (content.startsWith(".") ? "." : "") + content.replace("\r\n.", "\r\n..");
            out.write((stuffed + ".\r\nQUIT\r\n").getBytes(StandardCharsets.ISO_8859_1));
            String reply = expect(in, "250");
            Matcher queued = QUEUED.matcher(reply);
            if (!queued.find()) throw new IOException("no queue id in " + reply);
            return queued.group(1);
        }
    }

    /** Reads one reply (its last line) and fails unless it has {@code code}. */
    static String expect(BufferedReader in, String code) throws IOException {
        String line;
        do {
            line = in.readLine();
            if (line == null) throw new IOException("connection closed waiting for " + code);
        } while (line.length() > 3 && line.charAt(3) == '-');
        if (!line.startsWith(code)) throw new IOException("expected " + code + ", got: " + line);
        return line;
    }
}
