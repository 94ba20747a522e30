package org.postloom.spool;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;
import org.postloom.mail.QueueId;

/**
 * Makes queue ids of 15 base62 characters: 7 of milliseconds since 1970 (enough until 2081),
 * 4 random per start of the process, 4 of a counter. The digits are in ASCII order, so ids sort
 * roughly by time; the random part keeps two runs apart even if the clock steps back between them,
 * and the counter keeps ids of one run apart within a millisecond.
 */
final class QueueIds {

    private static final String DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    private final Clock clock;
    private final String boot;
    private final AtomicLong counter = new AtomicLong();

    QueueIds(Clock clock) {
        this.clock = clock;
        this.boot = base62(new SecureRandom().nextLong(0, pow62(4)), 4);
    }

    QueueId next() {
        return new QueueId(base62(clock.millis(), 7) + boot + base62(counter.getAndIncrement(), 4));
    }

    /** The last {@code width} base62 digits of {@code value}, zero-padded. */
    static String base62(long value, int width) {
        var digits = new char[width];
        long v = Math.floorMod(value, pow62(width));
        for (int i = width - 1; i >= 0; i--) {
            digits[i] = DIGITS.charAt((int) (v % 62));
            v /= 62;
        }
        return new String(digits);
    }

    private static long pow62(int n) {
        long p = 1;
        for (int i = 0; i < n; i++) p *= 62;
        return p;
    }
}
