package org.postloom.spool.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The baseline the spool must beat: each message in its own new file, written and fsynced by the
 * thread that received it. Generous to itself: it skips the directory fsync that a new file's
 * name strictly needs to be durable.
 */
final class FilePerMessageStore {

    private final Path dir;
    private final AtomicLong counter = new AtomicLong();

    FilePerMessageStore(Path dir) {
        this.dir = dir;
    }

    void append(byte[] envelope, byte[] body) throws IOException {
        var file = dir.resolve(counter.incrementAndGet() + ".msg");
        try (var channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            var buffers = new ByteBuffer[] {ByteBuffer.wrap(envelope), ByteBuffer.wrap(body)};
            while (buffers[1].hasRemaining()) channel.write(buffers);
            channel.force(true);
        }
    }
}
