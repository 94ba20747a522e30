package org.postloom.spool;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.postloom.mail.QueueId;
import org.postloom.testing.TestMail;

/**
 * A compaction copy moves a live message to another segment while couriers read the catalog: a
 * reader must never find the message missing in between (a courier drops an item whose message
 * it cannot find, as if an operator had deleted it, and the message then waits, never attempted,
 * until a restart; seen in bench/run's 10 KiB cell: one message in 20,000 never delivered).
 */
class CatalogMoveTest {

    @Test
    void aMessageMovedByACopyIsNeverMissingForAReader() throws Exception {
        var catalog = new Catalog();
        catalog.addSegment(1);
        catalog.addSegment(2);
        var envelope = TestMail.envelope(new QueueId("VcMoveTest00001"), 1);
        catalog.apply(new LogEntry.MessageQueued(envelope, 100, 1000), 1, 0);
        var stop = new AtomicBoolean();
        var missing = new AtomicLong();
        Thread reader = Thread.ofPlatform().start(() -> {
            while (!stop.get()) {
                if (catalog.get(envelope.queueId()) == null) missing.incrementAndGet();
            }
        });
        try {
            for (int i = 0; i < 200_000; i++) {
                long segment = 1 + (i & 1);
                catalog.apply(new LogEntry.MessageCopied(envelope.queueId(), List.of(RecipientState.PENDING), 0, 96, 1000,
                        envelope), segment, i);
            }
        } finally {
            stop.set(true);
            reader.join();
        }
        assertThat(missing.get()).as("reads that found the live message missing").isZero();
        assertThat(catalog.liveCount()).isEqualTo(1);
        assertThat(catalog.segments().get(1L).liveMessages + catalog.segments().get(2L).liveMessages).isEqualTo(1);
    }
}
