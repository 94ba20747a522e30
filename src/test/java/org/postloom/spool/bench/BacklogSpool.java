package org.postloom.spool.bench;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.postloom.mail.Envelope;
import org.postloom.mail.Mailbox;
import org.postloom.spool.Spool;
import org.postloom.spool.SpoolOptions;

/**
 * Fills a spool directory with N queued 1 KiB single-recipient messages through the spool's own
 * API (64 committing threads), far faster than over SMTP: for timing recovery and measuring the
 * relay's memory per queued message at scale. Usage: BacklogSpool DIR N
 */
public final class BacklogSpool {

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int count = Integer.parseInt(args[1]);
        byte[] body = ("Subject: backlog\r\n\r\n" + "x".repeat(1000) + "\r\n").getBytes();
        var next = new AtomicInteger();
        long start = System.nanoTime();
        try (var spool = Spool.open(dir, SpoolOptions.defaults().withMinFreeSpace(0), e -> { });
             var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < 64; t++) {
                threads.submit(() -> {
                    for (int n = next.getAndIncrement(); n < count; n = next.getAndIncrement()) {
                        var envelope = new Envelope(spool.newQueueId(), new Mailbox("bench" + (n % 50), "src.bench.test"),
                                List.of(new Mailbox("user" + n, "d" + (n % 20) + ".bench.test")),
                                Envelope.BodyType.EIGHT_BIT_MIME, false, Instant.now(), "127.0.0.1 blast.bench.test", "");
                        try (var reception = spool.receive(envelope)) {
                            reception.body().write(body);
                            reception.commit();
                        }
                    }
                    return null;
                });
            }
        }
        System.out.printf("queued %d in %.1f s%n", count, (System.nanoTime() - start) / 1e9);
    }
}
