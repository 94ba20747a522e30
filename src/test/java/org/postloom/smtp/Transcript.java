package org.postloom.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A scripted SMTP exchange (after chasquid's {@code .cmy} files): {@code C:} lines the client
 * sends, {@code S:} lines it expects back, in order. An expected line ending in {@code *} matches
 * any line with that prefix. {@code # client: ADDRESS} sets the client's address; {@code # tls}
 * gives the server key material, so that it offers STARTTLS (the live client then does the
 * handshake after a 220 to STARTTLS). The same transcript runs against the session in memory and
 * against a live listener.
 */
public record Transcript(String name, String clientAddress, boolean tls, List<Exchange> exchanges) {

    /** Lines the client sends together (pipelined), then the replies they should draw. */
    public record Exchange(List<String> send, List<String> expect) {}

    public static Transcript load(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String client = "127.0.0.1";
        boolean tls = false;
        List<Exchange> exchanges = new ArrayList<>();
        List<String> send = new ArrayList<>();
        List<String> expect = new ArrayList<>();
        for (String line : lines) {
            if (line.startsWith("# client:")) {
                client = line.substring("# client:".length()).strip();
            } else if (line.strip().equals("# tls")) {
                tls = true;
            } else if (line.startsWith("C: ") || line.equals("C:")) {
                if (!expect.isEmpty()) {
                    exchanges.add(new Exchange(send, expect));
                    send = new ArrayList<>();
                    expect = new ArrayList<>();
                }
                send.add(line.length() > 3 ? line.substring(3) : "");
            } else if (line.startsWith("S: ")) {
                expect.add(line.substring(3));
            }
        }
        if (!send.isEmpty() || !expect.isEmpty()) exchanges.add(new Exchange(send, expect));
        return new Transcript(file.getFileName().toString(), client, tls, exchanges);
    }

    /** The settings the transcript runs against: the common ones, with TLS offered if it asks. */
    public SessionSettings settings() {
        return tls ? TestSettings.sessionWithTls() : TestSettings.session();
    }

    /** Whether this exchange ended with the server ready for the TLS handshake. */
    public static boolean startsTls(Exchange exchange, List<String> got) {
        return !exchange.send().isEmpty() && exchange.send().getLast().equalsIgnoreCase("STARTTLS")
                && !got.isEmpty() && got.getLast().startsWith("220 ");
    }

    public static boolean matches(String expected, String actual) {
        return expected.endsWith("*")
                ? actual.startsWith(expected.substring(0, expected.length() - 1))
                : actual.equals(expected);
    }

public static void assertMatches(Transcript.Exchange exchange, List<String> got) {
        assertThat(got).as("replies to %s", exchange.send()).hasSameSizeAs(exchange.expect());
        for (int i = 0; i < got.size(); i++) {
            assertThat(Transcript.matches(exchange.expect().get(i), got.get(i)))
                    .as("reply %d to %s: expected %s, got %s", i, exchange.send(), exchange.expect().get(i), got.get(i))
                    .isTrue();
        }
    }

    public static List<Path> all() {
        try (var files = Files.list(Path.of("src/test/resources/transcripts"))) {
            return files.filter(f -> f.toString().endsWith(".txt")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
