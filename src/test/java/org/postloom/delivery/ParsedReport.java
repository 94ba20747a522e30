package org.postloom.delivery;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A delivery status notification as Python's standard {@code email} package reads it (not as our
 * own code would): top headers, the MIME parts' types, the per-message and per-recipient fields of
 * message/delivery-status (RFC 3464 2.2, 2.3, whitespace collapsed), and the returned original.
 */
public record ParsedReport(Map<String, String> headers, List<String> partTypes, Map<String, String> perMessage,
                           List<Map<String, String>> perRecipient, String returnedSubject, String returnedBody,
                           List<String> defects) {

    private static final Path SCRIPT = Path.of("src/test/resources/dsn/parse_report.py");

    public static ParsedReport parse(byte[] report) throws IOException, InterruptedException {
        Process python;
        try {
            python = new ProcessBuilder("python3", SCRIPT.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError("python3 is missing: install the Debian package python3", e);
        }
        try (var in = python.getOutputStream()) {
            in.write(report);
        }
        String output = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!python.waitFor(30, TimeUnit.SECONDS) || python.exitValue() != 0) fail("parse_report.py failed:\n" + output);
        return read(output);
    }

    private static ParsedReport read(String output) {
        Map<String, String> headers = new LinkedHashMap<>();
        List<String> parts = new ArrayList<>();
        Map<String, String> perMessage = new LinkedHashMap<>();
        List<Map<String, String>> perRecipient = new ArrayList<>();
        List<String> defects = new ArrayList<>();
        String subject = null, body = null;
        for (String line : output.split("\n")) {
            String[] f = line.split("\t", -1);
            for (int i = 0; i < f.length; i++) f[i] = unescape(f[i]);
            switch (f[0]) {
                case "header" -> headers.put(f[1], f[2]);
                case "part" -> parts.add(f[2]);
                case "message" -> perMessage.put(f[1], f[2]);
                case "recipient" -> {
                    int n = Integer.parseInt(f[1]);
                    while (perRecipient.size() <= n) perRecipient.add(new LinkedHashMap<>());
                    perRecipient.get(n).put(f[2], f[3]);
                }
                case "returned-subject" -> subject = f[1];
                case "returned-body" -> body = f[1];
                case "defect" -> defects.add(f[1]);
                default -> fail("unexpected output of parse_report.py: " + line);
            }
        }
        return new ParsedReport(headers, parts, perMessage, perRecipient, subject, body, defects);
    }

    private static String unescape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 == s.length()) {
                out.append(c);
                continue;
            }
            char next = s.charAt(++i);
            out.append(switch (next) {
                case 'n' -> '\n';
                case 'r' -> '\r';
                case 't' -> '\t';
                default -> next;
            });
        }
        return out.toString();
    }
}
