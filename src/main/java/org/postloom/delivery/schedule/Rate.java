package org.postloom.delivery.schedule;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An amount per time, written {@code N/s}, {@code N/min} or {@code N/h} (CONTRACT.md section 2).
 *
 * @param count how many
 * @param per   in how long
 */
public record Rate(long count, Duration per) {

    private static final Pattern SYNTAX = Pattern.compile("\\s*(\\d{1,12})\\s*/\\s*(s|min|h)\\s*");

    public Rate {
        if (count < 1 || per.isNegative() || per.isZero()) throw new IllegalArgumentException("rate must be positive");
    }

    /** @throws IllegalArgumentException naming the text, when it is not {@code N/s}, {@code N/min} or {@code N/h} */
    public static Rate parse(String text) {
        Matcher m = SYNTAX.matcher(text);
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            throw new IllegalArgumentException("'" + text + "' is not a rate (N/s, N/min or N/h with N > 0)");
        }
        Duration per = switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(1);
            case "min" -> Duration.ofMinutes(1);
            default -> Duration.ofHours(1);
        };
        return new Rate(Long.parseLong(m.group(1)), per);
    }

    /** The time between two events at this rate. */
    public long intervalNanos() {
        return Math.max(1, per.toNanos() / count);
    }

    public double perSecond() {
        return count * 1e9 / per.toNanos();
    }

    /**
     * How far ahead of the even pace events may run, in nanoseconds: a burst of a twentieth of a
     * second's worth (at least one event), so no second ever sees more than 5 % over the rate.
     * The local pacer and the shared (Redis) slots both use it, so they cannot drift apart.
     */
    public long toleranceNanos() {
        long burst = Math.max(1, (long) Math.ceil(perSecond() / 20));
        return (burst - 1) * intervalNanos();
    }

    @Override
    public String toString() {
        return count + "/" + (per.equals(Duration.ofSeconds(1)) ? "s" : per.equals(Duration.ofMinutes(1)) ? "min" : "h");
    }
}
