package org.postloom.inject;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A rate as settings write it (CONTRACT.md): {@code N/s}, {@code N/min} or {@code N/h}. */
public record Rate(long amount, Duration period) {

    private static final Pattern FORM = Pattern.compile("\\s*(\\d{1,9})\\s*/\\s*(s|min|h)\\s*");

    public Rate {
        if (amount <= 0) throw new IllegalArgumentException("a rate needs a positive amount");
    }

    /** The rate {@code text} says; the exception's message names {@code setting} and the value. */
    public static Rate parse(String setting, String text) {
        Matcher m = FORM.matcher(text);
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            throw new IllegalArgumentException(setting + "=" + text + ": not a rate (N/s, N/min or N/h, N > 0)");
        }
        Duration period = switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(1);
            case "min" -> Duration.ofMinutes(1);
            default -> Duration.ofHours(1);
        };
        return new Rate(Long.parseLong(m.group(1)), period);
    }

    @Override
    public String toString() {
        return amount + "/" + switch ((int) period.toSeconds()) {
            case 1 -> "s";
            case 60 -> "min";
            default -> "h";
        };
    }
}
