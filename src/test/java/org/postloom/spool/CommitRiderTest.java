package org.postloom.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.postloom.testing.TestMail.body;
import static org.postloom.testing.TestSpool.commit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.mail.Envelope;
import org.postloom.testing.TestMail;
import org.postloom.testing.TestSpool;

/** Bytes another part has the spool carry in its commits (the event journal's lines). */
class CommitRiderTest {

    @TempDir
    Path dir;

    /** Boards what it is given next, once, and writes down what the writer tells it. */
    private final class Recording implements CommitRider {
        final List<String> calls = new CopyOnWriteArrayList<>();
        volatile String next;
        volatile boolean broken;

        @Override
        public ByteBuffer board() throws IOException {
            if (broken) throw new IOException("journal unhealthy");
            String text = next;
            next = null;
            if (text == null) return null;
            calls.add("board " + text);
            return ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public void landed() {
            calls.add("landed");
        }

        @Override
        public void dropped() {
            calls.add("dropped");
        }

        @Override
        public void beforeRotation() {
            calls.add("rotation, segment 2 " + (Files.exists(segment(2)) ? "exists" : "not yet"));
        }
    }

    @Test
    void ridersShareTheBatchRecoverySkipsThemAndOnlyTheNewestSegmentsComeBack() throws Exception {
        // Messages of about 1.2 KiB: two fill a 2 KiB segment, and the next batch starts another.
        var options = TestSpool.options().withSegmentSize(2000);
        var rider = new Recording();
        Envelope first, second, third;
        try (var opened = TestSpool.open(dir, options)) {
            var spool = opened.spool();
            spool.carry(rider);
            rider.next = "a";
            first = commit(spool, 1, body("first", 1000));
            assertThat(rider.calls).containsExactly("board a", "landed");
            second = commit(spool, 1, body("second", 1000));
            assertThat(rider.calls).as("the owner makes its riders durable before the writer leaves the segment")
                    .containsExactly("board a", "landed", "rotation, segment 2 not yet");
            rider.next = "b";
            third = commit(spool, 1, body("third", 100));
            rider.next = "c";
            spool.record(third.queueId(), 0, RecipientState.DELIVERED);
            assertThat(rider.calls).endsWith("board b", "landed", "board c", "landed");
            assertThat(spool.riders()).as("none found at this start").isEmpty();
        }
        try (var reopened = TestSpool.open(dir, options)) {
            var spool = reopened.spool();
            assertThat(TestMail.ids(spool.messages())).as("recovery reads past riders")
                    .containsExactly(first.queueId(), second.queueId());
            assertThat(spool.riders()).as("segment 1's rider was made durable by its owner: only segment 2's come back")
                    .extracting(b -> new String(b, StandardCharsets.UTF_8)).containsExactly("b", "c");
            assertThat(spool.riders()).as("handed out once").isEmpty();
        }
    }

    @Test
    void aStartThatWentNoFurtherLeavesTheRidersToTheNextOne() throws Exception {
        var rider = new Recording();
        try (var opened = TestSpool.open(dir, TestSpool.options())) {
            opened.spool().carry(rider);
            rider.next = "unforced";
            commit(opened.spool(), 1, body("m", 100));
        }
        // This start begins segment 2 and stops before the owner took the riders (a crash, a bad setting).
        try (var started = TestSpool.open(dir, TestSpool.options())) {
            assertThat(segment(2)).exists().isEmptyFile();
        }
        try (var reopened = TestSpool.open(dir, TestSpool.options())) {
            assertThat(reopened.spool().riders()).as("the newest segment with anything in it is segment 1")
                    .extracting(b -> new String(b, StandardCharsets.UTF_8)).containsExactly("unforced");
        }
    }

    @Test
    void aRiderThatCannotBoardFailsTheBatchSoNoOutcomeIsStoredWithoutIt() throws Exception {
        var rider = new Recording();
        try (var opened = TestSpool.open(dir, TestSpool.options())) {
            var spool = opened.spool();
            spool.carry(rider);
            rider.broken = true;
            assertThatThrownBy(() -> commit(spool, 1, body("refused", 100))).isInstanceOf(SpoolException.class);
            assertThat(spool.messages()).isEmpty();
            rider.broken = false;
            rider.next = "later";
            commit(spool, 1, body("taken", 100));
            assertThat(spool.messages()).hasSize(1);
            assertThat(rider.calls).containsExactly("board later", "landed");
        }
    }

    private Path segment(long n) {
        return dir.resolve("%016d.seg".formatted(n));
    }
}
