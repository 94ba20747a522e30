package org.postloom.spool;

import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.postloom.testing.TestMail;
import org.postloom.testing.TestSpool;

/**
 * A separate JVM that commits messages from many virtual threads and prints {@code ACK <id>} for
 * each commit that returned (the moment a session would answer 250) and {@code FAIL <kind>} for
 * each refused one. The tests kill it, or starve it of file size, and then check the spool.
 *
 * <p>Arguments: spool directory, number of failures after which to stop (0 = never stop).
 */
public final class SpoolChild {

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int stopAfterFailures = Integer.parseInt(args[1]);
        var failures = new AtomicInteger();
        try (var opened = TestSpool.open(dir, TestSpool.options().withMemoryThreshold(8 << 10));
             var sessions = Executors.newVirtualThreadPerTaskExecutor()) {
            var spool = opened.spool();
            System.out.println("READY");
            for (int i = 0; i < 64; i++) {
                sessions.submit(() -> {
                    for (int n = 0; stopAfterFailures == 0 || failures.get() < stopAfterFailures; n++) {
                        var id = spool.newQueueId();
                        try (var reception = spool.receive(TestMail.envelope(id, 1))) {
                            reception.body().write(expectedBody(id.value(), n));
                            reception.commit();
                            println("ACK " + id);
                        } catch (SpoolException e) {
                            failures.incrementAndGet();
                            println("FAIL " + e.kind());
                        }
                    }
                    return null;
                });
            }
        }
    }

    /** The body of message {@code id}: small or spilled, and always checkable from the id alone. */
    static byte[] expectedBody(String id, int n) {
        return TestMail.body(id, n % 7 == 0 ? 20_000 : 300);
    }

    private static synchronized void println(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
