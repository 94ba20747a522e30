package org.postloom.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.postloom.smtp.Reply;

/**
 * {@code blast --idle N}: opens N sessions, reads each greeting, then holds them all open; reports
 * the time until every session was greeted. At most {@code parallel} connects are in flight at once,
 * like a crowd of clients arriving rather than one SYN flood.
 */
final class Idler {

    private final InetSocketAddress server;
    private final int sessions;
    private final int parallel;
    private final Duration hold;
    private final Duration timeout;
    private final PrintStream progress;
    private final LongAdder greeted = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final AtomicLong lastGreetingNanos = new AtomicLong();
    private volatile String lastError = "";

    Idler(InetSocketAddress server, int sessions, int parallel, Duration hold, Duration timeout, PrintStream progress) {
        this.server = server;
        this.sessions = sessions;
        this.parallel = parallel;
        this.hold = hold;
        this.timeout = timeout;
        this.progress = progress;
    }

    Json run() throws InterruptedException {
        long startMillis = System.currentTimeMillis();
        long start = System.nanoTime();
        Semaphore connecting = new Semaphore(parallel);
        CountDownLatch settled = new CountDownLatch(sessions);
        CountDownLatch release = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>(sessions);
        for (int i = 0; i < sessions; i++) {
            threads.add(Thread.ofVirtual().name("idle-" + i).start(() -> {
                BenchConnection c = null;
                try {
                    connecting.acquire();
                    try {
                        c = BenchConnection.open(server, (int) timeout.toMillis());
                        Reply greeting = c.read();
                        if (greeting.code() != 220) throw new IOException("greeting " + greeting.oneLine());
                        greeted.increment();
                        lastGreetingNanos.accumulateAndGet(System.nanoTime(), Math::max);
                    } finally {
                        connecting.release();
                    }
                } catch (IOException e) {
                    failed.increment();
                    lastError = e.toString();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    settled.countDown();
                }
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (c != null) c.quit();
            }));
        }
        while (!settled.await(1, java.util.concurrent.TimeUnit.SECONDS)) {
            progress.printf(Locale.ROOT, "idle: %5.1fs greeted=%d failed=%d%n", (System.nanoTime() - start) / 1e9,
                    greeted.sum(), failed.sum());
        }
        double acceptAll = (lastGreetingNanos.get() - start) / 1e9;
        progress.printf(Locale.ROOT, "idle: %d of %d sessions greeted in %.2fs (%d failed); holding %ss%n",
                greeted.sum(), sessions, acceptAll, failed.sum(), hold.toSeconds());
        if (!lastError.isEmpty()) progress.println("idle: last error: " + lastError);
        long holdStart = System.currentTimeMillis();
        Thread.sleep(hold);
        release.countDown();
        for (Thread t : threads) t.join();
        return new Json().put("mode", "idle").put("server", server.getHostString() + ":" + server.getPort())
                .put("sessions", sessions).put("greeted", greeted.sum()).put("failed", failed.sum())
                .put("accept_all_s", acceptAll).put("start_epoch_ms", startMillis).put("hold_start_epoch_ms", holdStart)
                .put("hold_s", hold.toMillis() / 1000.0).put("last_error", lastError);
    }
}
