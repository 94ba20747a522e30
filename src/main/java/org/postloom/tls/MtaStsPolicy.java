package org.postloom.tls;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * An MTA-STS policy (RFC 8461 3.2) as fetched, with the TXT record's {@code id} it was fetched
 * under (3.1) and when, which decide how long it is kept (5.1).
 *
 * @param text the policy body exactly as served, for TLS-RPT's {@code policy-string} (RFC 8460 4.4)
 */
public record MtaStsPolicy(Mode mode, List<String> mx, Duration maxAge, String id, Instant fetched, String text) {

    /** RFC 8461 5: what a sender does with the policy. */
    public enum Mode { ENFORCE, TESTING, NONE }

    /** RFC 8461 3.2: at most 31557600 seconds (a year). */
    static final long MAX_AGE_LIMIT = 31_557_600;

    public MtaStsPolicy {
        Objects.requireNonNull(mode);
        mx = List.copyOf(mx);
        Objects.requireNonNull(id);
        Objects.requireNonNull(fetched);
    }

    /** A policy body is bad: TLS-RPT's {@code sts-policy-invalid}. */
    public static final class InvalidPolicy extends Exception {
        InvalidPolicy(String message) {
            super(message);
        }
    }

    /**
     * Parses a policy body: {@code key: value} lines ending in LF or CRLF; {@code version: STSv1},
     * {@code mode} and {@code max_age} required, {@code mx} required unless the mode is none; unknown
     * keys ignored (RFC 8461 3.2).
     */
    public static MtaStsPolicy parse(String text, String id, Instant fetched) throws InvalidPolicy {
        String version = null;
        Mode mode = null;
        Long maxAge = null;
        List<String> mx = new ArrayList<>();
        for (String line : text.split("\r?\n")) {
            if (line.isBlank()) continue;
            int colon = line.indexOf(':');
            if (colon < 0) throw new InvalidPolicy("line without a colon: " + line);
            String key = line.substring(0, colon).strip();
            String value = line.substring(colon + 1).strip();
            switch (key) {
                case "version" -> version = value;
                case "mode" -> mode = mode(value);
                case "max_age" -> maxAge = maxAge(value);
                case "mx" -> mx.add(value.toLowerCase(Locale.ROOT));
                default -> { } // extensions (RFC 8461 3.2: ignore unknown fields)
            }
        }
        if (!"STSv1".equals(version)) throw new InvalidPolicy("version is not STSv1: " + version);
        if (mode == null) throw new InvalidPolicy("no mode");
        if (maxAge == null) throw new InvalidPolicy("no max_age");
        if (mx.isEmpty() && mode != Mode.NONE) throw new InvalidPolicy("no mx in mode " + mode.name().toLowerCase(Locale.ROOT));
        return new MtaStsPolicy(mode, mx, Duration.ofSeconds(maxAge), id, fetched, text);
    }

    private static Mode mode(String value) throws InvalidPolicy {
        return switch (value) {
            case "enforce" -> Mode.ENFORCE;
            case "testing" -> Mode.TESTING;
            case "none" -> Mode.NONE;
            default -> throw new InvalidPolicy("unknown mode: " + value);
        };
    }

    private static long maxAge(String value) throws InvalidPolicy {
        if (!value.matches("[0-9]{1,10}")) throw new InvalidPolicy("max_age is not a number of seconds: " + value);
        long seconds = Long.parseLong(value);
        if (seconds > MAX_AGE_LIMIT) throw new InvalidPolicy("max_age over a year: " + value);
        return seconds;
    }

    /** Whether the policy still holds at {@code now} (RFC 8461 5.1: until max_age after the fetch). */
    public boolean freshAt(Instant now) {
        return now.isBefore(fetched.plus(maxAge));
    }

    /**
     * RFC 8461 4.1: an MX host matches an {@code mx} pattern exactly, or a {@code *.} pattern whose
     * wildcard stands for exactly one left-most label.
     */
    public boolean allows(String host) {
        String name = HostNames.withoutTrailingDot(host).toLowerCase(Locale.ROOT);
        for (String pattern : mx) {
            if (pattern.startsWith("*.")) {
                int dot = name.indexOf('.');
                if (dot > 0 && name.substring(dot + 1).equals(pattern.substring(2))) return true;
            } else if (name.equals(pattern)) {
                return true;
            }
        }
        return false;
    }
}
