package org.postloom.events;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Where one sink stands in the journal, kept in {@code cursor-<sink>} beside it: replaced whole
 * (write, force, rename), so a crash leaves the old position or the new, and at worst events
 * are sent again, never skipped.
 */
final class Cursor {

    private final Path file;
    private volatile JournalPosition stored;

    Cursor(Path dir, String sink) {
        this.file = dir.resolve("cursor-" + sink);
    }

    /** The stored position, or {@code fallback} for a sink that has none yet. */
    JournalPosition load(JournalPosition fallback) throws IOException {
        stored = Files.exists(file) ? JournalPosition.decode(Files.readString(file)) : fallback;
        return stored;
    }

    /** The last position made durable. */
    JournalPosition stored() {
        return stored;
    }

    void store(JournalPosition position) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            c.write(ByteBuffer.wrap(position.encode().getBytes(StandardCharsets.US_ASCII)));
            c.force(false);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        stored = position;
    }
}
