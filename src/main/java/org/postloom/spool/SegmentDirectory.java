package org.postloom.spool;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The spool directory: numbered segment files ({@code 0000000000000001.seg}) and a directory
 * {@code incoming/} for bodies still being received. Creating or deleting a segment forces the
 * directory too, since on Linux a new file's name is durable only once its directory is (fsync(2)).
 */
final class SegmentDirectory {

    private static final Pattern SEGMENT = Pattern.compile("(\\d{16})\\.seg");

    private final Path dir;
    private final Path incoming;

    SegmentDirectory(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.incoming = Files.createDirectories(dir.resolve("incoming"));
    }

    Path dir() {
        return dir;
    }

    /** Where bodies are spilled while DATA arrives. */
    Path incoming() {
        return incoming;
    }

    Path path(long segment) {
        return dir.resolve("%016d.seg".formatted(segment));
    }

    /** The segments present, oldest first. */
    List<Long> segments() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> SEGMENT.matcher(f.getFileName().toString()))
                    .filter(m -> m.matches())
                    .map(m -> Long.parseLong(m.group(1)))
                    .sorted()
                    .toList();
        }
    }

    FileChannel create(long segment) throws IOException {
        var channel = FileChannel.open(path(segment),
                StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ);
        try {
            forceDirectory();
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        return channel;
    }

    FileChannel openForAppend(long segment) throws IOException {
        return FileChannel.open(path(segment), StandardOpenOption.WRITE, StandardOpenOption.READ);
    }

    void delete(long segment) throws IOException {
        Files.deleteIfExists(path(segment));
        forceDirectory();
    }

    /** Removes bodies left by sessions that were cut off by a crash; they were never acknowledged. */
    void clearIncoming() throws IOException {
        try (Stream<Path> files = Files.list(incoming)) {
            for (var f : (Iterable<Path>) files::iterator) Files.deleteIfExists(f);
        }
    }

    private void forceDirectory() throws IOException {
        try (var channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
