package org.postloom.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.postloom.testing.TestMail.body;
import static org.postloom.testing.TestSpool.commit;
import static org.postloom.testing.TestSpool.readBody;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.mail.Envelope;
import org.postloom.testing.TestMail;
import org.postloom.testing.TestSpool;

/**
 * A crash can leave the last record of the last segment half written, or written with damage.
 * Whatever the cut, recovery keeps every record before it, drops that one (it was never
 * acknowledged: acknowledgement follows the force), and appending goes on.
 */
class TornTailTest {

    private static final String SEGMENT = "0000000000000001.seg";

    @TempDir
    Path original;
    @TempDir
    Path work;

    private final List<Envelope> kept = new ArrayList<>();
    private Envelope last;
    private long lastRecordStart;
    private long lastRecordEnd;

    @BeforeEach
    void writeRecords() throws IOException {
        try (var opened = TestSpool.open(original, TestSpool.options())) {
            var spool = opened.spool();
            for (int i = 0; i < 4; i++) kept.add(commit(spool, 2, body("kept" + i, 500 + i)));
            spool.record(kept.get(0).queueId(), 1, new RecipientState.Deferred(java.time.Instant.EPOCH, "421 4.4.2 timeout"));
            lastRecordStart = Files.size(original.resolve(SEGMENT));
            last = commit(spool, 2, body("last", 200));
            lastRecordEnd = Files.size(original.resolve(SEGMENT));
        }
    }

    @Test
    void aRecordCutAtAnyByteIsDroppedAndEverythingBeforeItKept() throws IOException {
        for (long length = lastRecordStart; length < lastRecordEnd; length++) {
            Path dir = copyOriginal(length);
            try (var opened = TestSpool.open(dir, TestSpool.options())) {
                assertKeptOnly(opened.spool(), "cut at " + length);
                assertThat(opened.spool().awaitRecovery().truncatedBytes()).isEqualTo(length - lastRecordStart);
                commit(opened.spool(), 1, body("after", 50));
            }
            try (var reopened = TestSpool.open(dir, TestSpool.options())) {
                assertThat(reopened.spool().messages()).hasSize(kept.size() + 1);
                assertThat(reopened.spool().awaitRecovery().truncatedBytes()).isZero();
            }
        }
    }

    @Test
    void aRecordWithAnyDamagedByteIsDropped() throws IOException {
        for (long at = lastRecordStart; at < lastRecordEnd; at++) {
            Path dir = copyOriginal(lastRecordEnd);
            try (var file = new RandomAccessFile(dir.resolve(SEGMENT).toFile(), "rw")) {
                file.seek(at);
                int b = file.read();
                file.seek(at);
                file.write(b ^ 0x5a);
            }
            try (var opened = TestSpool.open(dir, TestSpool.options())) {
                assertKeptOnly(opened.spool(), "damaged at " + at);
            }
        }
    }

    @Test
    void theWholeRecordIsKept() throws IOException {
        try (var opened = TestSpool.open(copyOriginal(lastRecordEnd), TestSpool.options())) {
            assertThat(opened.spool().message(last.queueId())).isPresent();
            assertThat(readBody(opened.spool(), last.queueId())).isEqualTo(body("last", 200));
        }
    }

    private void assertKeptOnly(Spool spool, String where) throws IOException {
        assertThat(TestMail.ids(spool.messages())).as(where)
                .containsExactlyElementsOf(kept.stream().map(Envelope::queueId).toList());
        for (int i = 0; i < kept.size(); i++) {
            assertThat(readBody(spool, kept.get(i).queueId())).as(where).isEqualTo(body("kept" + i, 500 + i));
        }
        assertThat(spool.message(kept.get(0).queueId()).orElseThrow().recipients().get(1))
                .as(where).isInstanceOf(RecipientState.Deferred.class);
    }

    private Path copyOriginal(long length) throws IOException {
        Path dir = Files.createTempDirectory(work, "cut");
        Path copy = Files.copy(original.resolve(SEGMENT), dir.resolve(SEGMENT));
        try (var file = new RandomAccessFile(copy.toFile(), "rw")) {
            file.setLength(length);
        }
        return dir;
    }
}
