package org.postloom.events;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Events as JSON Lines in a file ({@code postloom.events.file}), forced before the cursor moves.
 * After {@code maxSize} bytes the file is renamed {@code FILE.1} (older ones shift to
 * {@code .2}, ...) and a new one begun; {@code keep} rotated files are kept, like logrotate.
 */
final class FileSink implements EventSink {

    private final Path file;
    private final long maxSize;
    private final int keep;
    private FileChannel channel;

    FileSink(Path file, long maxSize, int keep) {
        this.file = file;
        this.maxSize = maxSize;
        this.keep = keep;
    }

    @Override
    public String name() {
        return "file";
    }

    @Override
    public int batchSize() {
        return 1000;
    }

    @Override
    public CompletableFuture<Void> send(List<byte[]> events) {
        try {
            if (channel == null) {
                Path parent = file.toAbsolutePath().getParent();
                if (parent != null) Files.createDirectories(parent);
                channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            }
            int bytes = 0;
            for (byte[] e : events) bytes += e.length + 1;
            ByteBuffer buffer = ByteBuffer.allocate(bytes);
            for (byte[] e : events) buffer.put(e).put((byte) '\n');
            buffer.flip();
            while (buffer.hasRemaining()) channel.write(buffer);
            channel.force(false);
            if (channel.size() >= maxSize) rotate();
            return CompletableFuture.completedFuture(null);
        } catch (IOException e) {
            closeQuietly();
            return CompletableFuture.failedFuture(e);
        }
    }

    private void rotate() throws IOException {
        closeQuietly();
        Files.deleteIfExists(rotated(keep));
        for (int i = keep - 1; i >= 1; i--) {
            if (Files.exists(rotated(i))) Files.move(rotated(i), rotated(i + 1), StandardCopyOption.REPLACE_EXISTING);
        }
        if (keep > 0) Files.move(file, rotated(1), StandardCopyOption.REPLACE_EXISTING);
        else Files.delete(file);
    }

    private Path rotated(int n) {
        return file.resolveSibling(file.getFileName() + "." + n);
    }

    private void closeQuietly() {
        if (channel == null) return;
        try {
            channel.close();
        } catch (IOException ignored) {
            // the next batch reopens the file
        }
        channel = null;
    }

    @Override
    public void close() {
        closeQuietly();
    }
}
