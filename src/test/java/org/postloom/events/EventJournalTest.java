package org.postloom.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventJournalTest {

    @TempDir
    Path dir;

    private static byte[] line(int n) {
        return ("{\"id\":\"e" + n + "\",\"queue_id\":\"Q" + n + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    /** What the spool's writer does with the journal in one group commit: board, then landed; the rider it carried. */
    private static byte[] commit(EventJournal journal) throws IOException {
        var rider = journal.board();
        if (rider == null) return null;
        byte[] carried = new byte[rider.remaining()];
        rider.get(carried);
        journal.landed();
        return carried;
    }

    private static String text(int n) {
        return new String(line(n), StandardCharsets.UTF_8);
    }

    private static List<String> readAll(EventJournal journal, JournalPosition from) throws Exception {
        List<String> out = new ArrayList<>();
        try (var reader = new JournalReader(journal, from)) {
            while (true) {
                var batch = reader.next(7, 50, TimeUnit.MILLISECONDS);
                if (batch.events().isEmpty()) return out;
                batch.events().forEach(e -> out.add(new String(e, StandardCharsets.UTF_8)));
                assertThat(batch.end().number()).isEqualTo(from.number() + out.size());
            }
        }
    }

    @Test
    void linesRideInTheSpoolsCommitAndReadersSeeEveryLineOnceAcrossFiles() throws Exception {
        try (var journal = EventJournal.open(dir, 600, () -> "{\"_attempts\":{}}".getBytes(StandardCharsets.UTF_8), List.of())) {
            for (int i = 0; i < 50; i++) journal.append(List.of(line(i)));
            assertThat(journal.end().number()).as("nothing is read before the spool's commit").isZero();
            byte[] rider = commit(journal);
            assertThat(ByteBuffer.wrap(rider).getLong()).as("a rider begins with its first event's number").isZero();
            assertThat(new String(rider, 8, rider.length - 8, StandardCharsets.UTF_8)).startsWith(text(0) + "\n").endsWith(text(49) + "\n");
            assertThat(journal.end().number()).isEqualTo(50);
            for (int i = 50; i < 100; i++) {
                journal.append(List.of(line(i)));
                assertThat(ByteBuffer.wrap(commit(journal)).getLong()).isEqualTo(i);
            }
            assertThat(commit(journal)).as("a commit with nothing queued carries nothing").isNull();
            assertThat(journal.end().number()).isEqualTo(100);
            assertThat(journal.files()).as("files of ~600 bytes").hasSizeGreaterThan(3);
            assertThat(journal.forces()).as("51 commits force no file of the journal's (the spool's fsync covers them); a file is forced once, when the next begins").isEqualTo(journal.files().size() - 1);
            journal.append(List.of(line(100)));
            commit(journal);
            long forces = journal.forces();
            journal.beforeRotation();
            journal.beforeRotation();
            assertThat(journal.forces()).as("the spool leaving its segment forces what landed, once").isEqualTo(forces + 1);

            journal.append(List.of(line(101), line(102)));
            journal.board();
            journal.dropped();
            journal.append(List.of(line(103)));
            assertThat(ByteBuffer.wrap(commit(journal)).getLong()).as("a failed batch's lines go first into the next").isEqualTo(101);
            assertThat(journal.end().number()).isEqualTo(104);
            List<String> read = readAll(journal, journal.start());
            assertThat(read.subList(100, 104)).containsExactly(text(100), text(101), text(102), text(103));
            read = read.subList(0, 100);
            assertThat(read).hasSize(100).doesNotHaveDuplicates().allMatch(l -> l.startsWith("{\"id\":\"e"));

            // A cursor in the middle: files wholly before it go, and reading from it still works.
            JournalPosition middle;
            try (var reader = new JournalReader(journal, journal.start())) {
                int got = 0;
                JournalPosition at = journal.start();
                while (got < 60) {
                    var b = reader.next(60 - got, 50, TimeUnit.MILLISECONDS);
                    got += b.events().size();
                    at = b.end();
                }
                middle = at;
            }
            journal.release(middle);
            assertThat(journal.files().getFirst()).isGreaterThan(0).isLessThanOrEqualTo(middle.file());
            assertThat(readAll(journal, middle)).hasSize(44).first().isEqualTo("{\"id\":\"e60\",\"queue_id\":\"Q60\"}");
        }
    }

    @Test
    void aTornLastLineIsCutAtOpenAndAppendingGoesOn() throws Exception {
        try (var journal = EventJournal.open(dir, 1 << 20, () -> null, List.of())) {
            journal.append(List.of(line(1), line(2)));
            commit(journal);
            journal.append(List.of(line(9)));
        } // closing forces what landed and drops what no commit carried
        Path file = onlyFile();
        // A crash mid-write: half a line, then zeros where the file grew but its data never landed.
        Files.write(file, "{\"id\":\"e3\",\"que".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
        Files.write(file, new byte[64], StandardOpenOption.APPEND);
        try (var journal = EventJournal.open(dir, 1 << 20, () -> null, List.of())) {
            assertThat(journal.end().number()).isEqualTo(2);
            assertThat(journal.recoveredLines()).hasSize(2);
            journal.append(List.of(line(4)));
            commit(journal);
            assertThat(readAll(journal, journal.start())).containsExactly(text(1), text(2), text(4));
        }
    }

    @Test
    void whatACrashTookFromTheUnforcedEndIsMadeAgainFromTheSpoolsRidersByteForByte() throws Exception {
        List<byte[]> riders = new ArrayList<>();
        try (var journal = EventJournal.open(dir, 1 << 20, () -> "{\"_attempts\":{}}".getBytes(StandardCharsets.UTF_8), List.of())) {
            journal.append(List.of(line(0), line(1), line(2)));
            riders.add(commit(journal));
            journal.beforeRotation(); // the spool moved to its newest segment: events 0..2 are in the file for good
            riders.clear();
            journal.append(List.of(line(3), line(4)));
            riders.add(commit(journal));
            journal.append(List.of(line(5)));
            riders.add(commit(journal));
        }
        Path file = onlyFile();
        byte[] whole = Files.readAllBytes(file);
        JournalPosition cursor;
        try (var journal = EventJournal.open(dir, 1 << 20, () -> null, List.of())) {
            cursor = journal.end(); // a sink had read them all and stored its cursor
        }
        // A power loss: the file's unforced end is gone, from the middle of event 4 on.
        String all = new String(whole, StandardCharsets.UTF_8);
        int cut = all.indexOf(text(4)) + 7;
        try (var channel = java.nio.channels.FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(cut);
        }
        try (var journal = EventJournal.open(dir, 1 << 20, () -> null, riders)) {
            assertThat(journal.end()).as("the same numbers at the same offsets: the sinks' cursors stay true").isEqualTo(cursor);
            assertThat(Files.readAllBytes(file)).isEqualTo(whole);
            assertThat(journal.forces()).as("what was made again is forced before anything new").isEqualTo(1);
            assertThat(journal.recoveredLines()).hasSize(7); // the header and six events
            assertThat(readAll(journal, journal.start())).containsExactly(text(0), text(1), text(2), text(3), text(4), text(5));
        }
        try (var journal = EventJournal.open(dir, 1 << 20, () -> null, riders)) {
            assertThat(journal.end()).as("nothing is made twice").isEqualTo(cursor);
            assertThat(journal.forces()).isZero();
        }
    }

    private Path onlyFile() throws IOException {
        try (var files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith("journal-")).findFirst().orElseThrow();
        }
    }

    @Test
    void aCursorSurvivesInItsFile() throws IOException {
        Cursor cursor = new Cursor(dir, "webhook");
        assertThat(cursor.load(JournalPosition.START)).isEqualTo(JournalPosition.START);
        cursor.store(new JournalPosition(40, 1234, 57));
        assertThat(new Cursor(dir, "webhook").load(JournalPosition.START)).isEqualTo(new JournalPosition(40, 1234, 57));
    }
}
