package org.postloom.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
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
    void appendsWaitForOneForceAndReadersSeeEveryLineOnceAcrossFiles() throws Exception {
        try (var journal = EventJournal.open(dir, 600, () -> "{\"_attempts\":{}}".getBytes(StandardCharsets.UTF_8))) {
            for (int i = 0; i < 50; i++) journal.append(List.of(line(i)));
            assertThat(journal.end().number()).as("nothing is read before it is forced").isZero();
            journal.force();
            assertThat(journal.forces()).as("50 appends, one force").isEqualTo(1);
            assertThat(journal.end().number()).isEqualTo(50);
            for (int i = 50; i < 100; i++) {
                journal.append(List.of(line(i)));
                journal.force(); // one file write and force each
            }
            journal.force();
            assertThat(journal.forces()).as("a force with nothing queued does nothing").isEqualTo(51);
            assertThat(journal.end().number()).isEqualTo(100);
            assertThat(journal.files()).as("files of ~600 bytes").hasSizeGreaterThan(3);
            List<String> read = readAll(journal, journal.start());
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
            assertThat(readAll(journal, middle)).hasSize(40).first().isEqualTo("{\"id\":\"e60\",\"queue_id\":\"Q60\"}");
        }
    }

    @Test
    void aTornLastLineIsCutAtOpenAndAppendingGoesOn() throws Exception {
        try (var journal = EventJournal.open(dir, 1 << 20, () -> null)) {
            journal.append(List.of(line(1), line(2)));
        } // closing forces what is queued
        Path file;
        try (var files = Files.list(dir)) {
            file = files.filter(p -> p.getFileName().toString().startsWith("journal-")).findFirst().orElseThrow();
        }
        // A crash mid-write: half a line, then zeros where the file grew but its data never landed.
        Files.write(file, "{\"id\":\"e3\",\"que".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
        Files.write(file, new byte[64], StandardOpenOption.APPEND);
        try (var journal = EventJournal.open(dir, 1 << 20, () -> null)) {
            assertThat(journal.end().number()).isEqualTo(2);
            assertThat(journal.recoveredLines()).hasSize(2);
            journal.append(List.of(line(4)));
            journal.force();
            assertThat(readAll(journal, journal.start())).containsExactly(
                    new String(line(1), StandardCharsets.UTF_8), new String(line(2), StandardCharsets.UTF_8),
                    new String(line(4), StandardCharsets.UTF_8));
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
