package org.postloom.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSinkTest {

    @Test
    void rotatesBySizeAndKeepsTheSetCount(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("sub/events.jsonl");
        FileSink sink = new FileSink(file, 100, 2);
        for (int i = 0; i < 10; i++) {
            // about 60 bytes a batch: a rotation after every second batch
            sink.send(List.of(("{\"id\":\"e" + i + "\",\"pad\":\"" + "x".repeat(40) + "\"}").getBytes(StandardCharsets.UTF_8))).get();
        }
        sink.close();
        assertThat(Files.exists(file.resolveSibling("events.jsonl.1"))).isTrue();
        assertThat(Files.exists(file.resolveSibling("events.jsonl.2"))).isTrue();
        assertThat(Files.exists(file.resolveSibling("events.jsonl.3"))).as("beyond the kept count").isFalse();
        List<String> newestFirst = new ArrayList<>();
        for (String name : List.of("events.jsonl.1", "events.jsonl.2")) newestFirst.addAll(Files.readAllLines(file.resolveSibling(name)));
        assertThat(newestFirst).hasSize(4).allMatch(l -> l.startsWith("{\"id\":\"e"));
        assertThat(newestFirst.getFirst()).startsWith("{\"id\":\"e8\"");
    }
}
