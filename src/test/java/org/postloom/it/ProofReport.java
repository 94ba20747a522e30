package org.postloom.it;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The figures a proof test measured, as one line {@code PROOF kind=... key=value ...} on standard
 * output, where {@code bench/campaign} collects them into its table.
 */
final class ProofReport {

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
    }
}
