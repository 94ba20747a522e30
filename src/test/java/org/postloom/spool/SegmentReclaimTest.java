package org.postloom.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.postloom.testing.TestMail.body;
import static org.postloom.testing.TestSpool.commit;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.mail.Envelope;
import org.postloom.testing.TestMail;
import org.postloom.testing.TestSpool;

class SegmentReclaimTest {

    @TempDir
    Path dir;

    @Test
    void aSegmentIsDeletedOnceEveryMessageInItIsFinal() throws Exception {
        // A one-byte segment size closes the segment after every batch: one message per segment.
        try (var opened = TestSpool.open(dir, TestSpool.options().withSegmentSize(1))) {
            var spool = opened.spool();
            var first = commit(spool, 2, body("first", 100));   // segment 1
            var second = commit(spool, 1, body("second", 100)); // segment 2
            assertThat(segment(1)).exists();

            spool.record(first.queueId(), 0, RecipientState.DELIVERED);
            assertThat(segment(1)).as("one recipient still pending").exists();
            spool.record(first.queueId(), 1, new RecipientState.Failed("550 5.1.1 unknown"));
            assertThat(segment(1)).doesNotExist();
            assertThat(segment(2)).exists();

            spool.record(second.queueId(), 0, RecipientState.DELIVERED);
            assertThat(segment(2)).doesNotExist();
            assertThat(spool.stats().segments()).as("only the active segment is left").isEqualTo(1);
            assertThat(spool.messages()).isEmpty();
        }
        try (var reopened = TestSpool.open(dir, TestSpool.options())) {
            assertThat(reopened.spool().messages()).isEmpty();
        }
    }

    @Test
    void statesAreKeptWhileTheMessageTheyDescribeIsOnDisk() throws Exception {
        // Messages of about 1.2 KiB: three fill a 2.5 KiB segment, and the next batch starts another.
        var options = TestSpool.options().withSegmentSize(2500);
        Envelope done, waiting, filler, later;
        try (var opened = TestSpool.open(dir, options)) {
            var spool = opened.spool();
            done = commit(spool, 1, body("done", 1000));
            waiting = commit(spool, 1, body("waiting", 1000));
            filler = commit(spool, 1, body("filler", 1000));
            assertThat(segment(2)).as("segment 1 is full").exists();

            spool.record(done.queueId(), 0, RecipientState.DELIVERED);   // in segment 2, about segment 1
            later = commit(spool, 1, body("later", 3000)); // fills segment 2
            spool.record(later.queueId(), 0, RecipientState.DELIVERED);
            assertThat(segment(3)).exists();
            assertThat(segment(1)).as("still holds live messages").exists();
            assertThat(segment(2)).as("its record of 'done' must outlive segment 1").exists();
        }
        try (var reopened = TestSpool.open(dir, options)) {
            var spool = reopened.spool();
            assertThat(TestMail.ids(spool.messages())).containsExactly(waiting.queueId(), filler.queueId());
            spool.record(waiting.queueId(), 0, RecipientState.DELIVERED);
            spool.record(filler.queueId(), 0, RecipientState.DELIVERED);
            assertThat(segment(1)).doesNotExist();
            assertThat(segment(2)).doesNotExist();
        }
    }

    private Path segment(long n) {
        return dir.resolve("%016d.seg".formatted(n));
    }
}
