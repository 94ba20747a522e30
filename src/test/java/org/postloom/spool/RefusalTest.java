package org.postloom.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.postloom.testing.TestMail.body;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.testing.TestMail;
import org.postloom.testing.TestSpool;

/** The spool says no in the words a session turns into 452 4.3.1 or 451 4.3.0. */
class RefusalTest {

    @TempDir
    Path dir;

    @Test
    void receiveRefusesWithFullWhenFreeSpaceIsBelowTheMargin() throws Exception {
        try (var opened = TestSpool.open(dir, TestSpool.options().withMinFreeSpace(Long.MAX_VALUE))) {
            var spool = opened.spool();
            assertThatThrownBy(() -> spool.receive(TestMail.envelope(spool.newQueueId(), 1)))
                    .isInstanceOfSatisfying(SpoolException.class, e -> assertThat(e.kind()).isEqualTo(SpoolException.Kind.FULL));
        }
    }

    @Test
    void aFullQueueRefusesNewMessagesUntilOneLeaves() throws Exception {
        try (var opened = TestSpool.open(dir, TestSpool.options().withMaxMessages(2))) {
            var spool = opened.spool();
            for (int i = 0; i < 2; i++) {
                try (var r = spool.receive(TestMail.envelope(spool.newQueueId(), 1))) {
                    r.commit();
                }
            }
            assertThat(spool.hasRoom()).isFalse();
            assertThatThrownBy(() -> spool.receive(TestMail.envelope(spool.newQueueId(), 1)))
                    .isInstanceOfSatisfying(SpoolException.class, e -> assertThat(e.kind()).isEqualTo(SpoolException.Kind.FULL));
            spool.record(spool.messages().getFirst().queueId(), 0, RecipientState.DELIVERED);
            assertThat(spool.hasRoom()).isTrue();
        }
    }

    @Test
    void aCommitAfterCloseFailsAndIsNotStored() throws Exception {
        var opened = TestSpool.open(dir, TestSpool.options());
        var spool = opened.spool();
        var envelope = TestMail.envelope(spool.newQueueId(), 1);
        var reception = spool.receive(envelope);
        reception.body().write(body("late", 100));
        spool.close();
        assertThat(spool.isHealthy()).isFalse();
        assertThatThrownBy(reception::commit)
                .isInstanceOfSatisfying(SpoolException.class, e -> assertThat(e.kind()).isEqualTo(SpoolException.Kind.FAILED));
        assertThatThrownBy(() -> spool.receive(envelope)).isInstanceOf(SpoolException.class);
        try (var reopened = TestSpool.open(dir, TestSpool.options())) {
            assertThat(reopened.spool().messages()).isEmpty();
        }
    }

    @Test
    void aReceptionIsCommittedOnlyOnce() throws Exception {
        try (var opened = TestSpool.open(dir, TestSpool.options())) {
            var spool = opened.spool();
            var reception = spool.receive(TestMail.envelope(spool.newQueueId(), 1));
            reception.commit();
            assertThatThrownBy(reception::commit).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> reception.body().write(1)).isInstanceOf(IllegalStateException.class);
            assertThat(spool.messages()).hasSize(1);
        }
    }
}
