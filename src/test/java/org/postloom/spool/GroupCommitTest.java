package org.postloom.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.postloom.spool.TestMail.body;
import static org.postloom.spool.TestMail.commit;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.mail.QueueId;

class GroupCommitTest {

    private static final int SESSIONS = 200;

    @TempDir
    Path dir;

    @Test
    void manySessionsCommittingAtOnceShareFsyncsAndAllSurvive() throws Exception {
        Set<QueueId> acknowledged = ConcurrentHashMap.newKeySet();
        try (var opened = TestMail.open(dir, TestMail.options())) {
            var spool = opened.spool();
            var start = new CountDownLatch(1);
            try (var sessions = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < SESSIONS; i++) {
                    int n = i;
                    sessions.submit(() -> {
                        start.await();
                        acknowledged.add(commit(spool, 1 + n % 3, body("m" + n, 1024)).queueId());
                        return null;
                    });
                }
                start.countDown();
            }
            var stats = spool.stats();
            assertThat(acknowledged).hasSize(SESSIONS);
            assertThat(stats.appends()).isEqualTo(SESSIONS);
            assertThat(stats.forces()).as("group commit batches fsyncs").isLessThan(SESSIONS / 2);
            assertThat(new HashSet<>(TestMail.entryIds(opened.published()))).isEqualTo(acknowledged);
        }
        try (var reopened = TestMail.open(dir, TestMail.options())) {
            assertThat(new HashSet<>(TestMail.ids(reopened.spool().messages()))).isEqualTo(acknowledged);
        }
    }

    @Test
    void concurrentOutcomesForOneMessageAllLand() throws Exception {
        QueueId id;
        try (var opened = TestMail.open(dir, TestMail.options())) {
            var spool = opened.spool();
            id = commit(spool, 100, body("many", 100)).queueId();
            try (var couriers = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < 99; i++) {
                    int rcpt = i;
                    couriers.submit(() -> {
                        spool.recordDelivered(id, rcpt);
                        return null;
                    });
                }
            }
            assertThat(spool.message(id).orElseThrow().recipients().subList(0, 99))
                    .allMatch(s -> s.equals(RecipientState.DELIVERED));
        }
        try (var reopened = TestMail.open(dir, TestMail.options())) {
            var states = reopened.spool().message(id).orElseThrow().recipients();
            assertThat(states.subList(0, 99)).allMatch(s -> s.equals(RecipientState.DELIVERED));
            assertThat(states.get(99)).isEqualTo(RecipientState.PENDING);
        }
    }
}
