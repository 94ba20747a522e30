package org.postloom.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The figures a proof test measured, as one line {@code PROOF kind=... key=value ...} on standard
 * output and appended to {@code target/proof-report.txt}, where {@code bench/campaign} collects
 * them into its table.
 */
final class ProofReport {

    private static final Path FILE = Path.of(System.getProperty("proof.report", "target/proof-report.txt"));

    private final Map<String, Object> values = new LinkedHashMap<>();

    private ProofReport(String kind) {
        values.put("kind", kind);
    }

    static ProofReport of(String kind) {
        return new ProofReport(kind);
    }

    ProofReport with(String key, Object value) {
        values.put(key, value);
        return this;
    }

    void print() {
        var line = new StringBuilder("PROOF");
        values.forEach((k, v) -> line.append(' ').append(k).append('=').append(String.valueOf(v).replace(' ', '_')));
        System.out.println(line);
        try {
            Files.createDirectories(FILE.toAbsolutePath().getParent());
            Files.writeString(FILE, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
