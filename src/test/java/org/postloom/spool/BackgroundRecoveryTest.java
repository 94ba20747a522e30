package org.postloom.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.postloom.testing.TestMail.body;
import static org.postloom.testing.TestSpool.commit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.mail.QueueId;
import org.postloom.testing.Await;
import org.postloom.testing.TestSpool;

/**
 * Issue 12: after a crash the spool takes new messages while it still reads the old segments,
 * and hands no recovered message on before all of them are read (a later segment may say a
 * recipient was delivered already).
 */
class BackgroundRecoveryTest {

    @TempDir
    Path dir;

    @Test
    void newMessagesAreDurableWhileRecoveryRunsAndRecoveredOnesComeWithTheirLaterStates() throws Exception {
        var options = TestSpool.options().withSegmentSize(8 << 10);
        QueueId early;
        Set<QueueId> old = new HashSet<>();
        try (var opened = TestSpool.open(dir, options)) {
            var spool = opened.spool();
            early = commit(spool, 2, body("early", 1000)).queueId();
            old.add(early);
            for (int i = 0; i < 40; i++) old.add(commit(spool, 1, body("filler" + i, 1000)).queueId());
            spool.record(early, 0, RecipientState.DELIVERED); // in a segment well after the message's own
        }
        assertThat(segments()).as("the old queue spans several segments").hasSizeGreaterThan(3);

        var handedOn = new ConcurrentLinkedQueue<QueueEntry>();
        var firstRecovered = new CountDownLatch(1);
        var release = new CountDownLatch(1);
        try (var spool = Spool.start(dir, options, entry -> {
            handedOn.add(entry);
            if (old.contains(entry.message().queueId()) && firstRecovered.getCount() == 1) {
                firstRecovered.countDown();
                await(release); // recovery stalls here, with every segment read
            }
        }, CommitObserver.NONE)) {
            spool.beginRecovery();
            assertThat(firstRecovered.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(spool.recovery()).as("recovery is still handing the queue on").isNotDone();

            QueueId fresh = commit(spool, 1, body("fresh", 500)).queueId(); // returns once durable
            Await.until("the new message reaches delivery", Duration.ofSeconds(10),
                    () -> handedOn.stream().anyMatch(e -> e.message().queueId().equals(fresh)));
            release.countDown();

            var report = spool.awaitRecovery();
            assertThat(report.messages()).isEqualTo(old.size());
            List<QueueId> ids = new ArrayList<>(handedOn.stream().map(e -> e.message().queueId()).toList());
            assertThat(ids).as("each message handed on once").doesNotHaveDuplicates()
                    .containsExactlyInAnyOrderElementsOf(union(old, fresh));
            var earlyEntry = handedOn.stream().filter(e -> e.message().queueId().equals(early)).findFirst().orElseThrow();
            assertThat(earlyEntry.recipients()).as("the delivered record of a later segment applied before hand-off")
                    .containsExactly(RecipientState.DELIVERED, RecipientState.PENDING);
        }
        var reopened = TestSpool.open(dir, options);
        try (reopened) {
            assertThat(reopened.published()).hasSize(old.size() + 1);
        }
    }

    private List<Path> segments() throws Exception {
        try (var files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".seg")).sorted().toList();
        }
    }

    private static Set<QueueId> union(Set<QueueId> a, QueueId b) {
        var all = new HashSet<>(a);
        all.add(b);
        return all;
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
