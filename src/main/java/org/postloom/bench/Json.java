package org.postloom.bench;

import java.util.Locale;

/** A flat JSON object written by hand: the bench prints one line of it for the harness. */
final class Json {

    private final StringBuilder out = new StringBuilder("{");

    Json put(String key, String value) {
        key(key);
        out.append('"');
        for (char c : value.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20) out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    else out.append(c);
                }
            }
        }
        out.append('"');
        return this;
    }

    Json put(String key, long value) {
        key(key);
        out.append(value);
        return this;
    }

    Json put(String key, double value) {
        key(key);
        out.append(Double.isFinite(value) ? String.format(Locale.ROOT, "%.3f", value) : "null");
        return this;
    }

    Json put(String key, boolean value) {
        key(key);
        out.append(value);
        return this;
    }

    Json put(String key, Json nested) {
        key(key);
        out.append(nested);
        return this;
    }

    private void key(String key) {
        if (out.length() > 1) out.append(',');
        out.append('"').append(key).append("\":");
    }

    @Override
    public String toString() {
        return out + "}";
    }
}
