package org.postloom.spool;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Where a body goes while DATA arrives. It starts with a small array that grows up to a threshold
 * (most mail is small, and idle sessions should cost little), then moves to a temporary file in
 * the spool's directory, so heap use stays bounded however large or numerous the messages. The
 * temporary file is not forced: it becomes durable only when the writer copies it into a segment
 * and forces that. The body's checksum is computed on the way in, so the writer need not read
 * it again.
 */
final class SpillingBody extends OutputStream {

    private static final int INITIAL = 4096;

    private final Path tempDir;
    private final int threshold;
    private final CRC32C checksum = new CRC32C();
    private byte[] buffer = new byte[0];
    private int buffered;
    private Path spillFile;
    private OutputStream spill;
    private long size;

    SpillingBody(Path tempDir, int threshold) {
        this.tempDir = tempDir;
        this.threshold = threshold;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        checksum.update(b, off, len);
        size += len;
        if (spill == null && buffered + len > threshold) {
            startSpilling();
        }
        if (spill != null) {
            spill.write(b, off, len);
        } else {
            ensureCapacity(buffered + len);
            System.arraycopy(b, off, buffer, buffered, len);
            buffered += len;
        }
    }

    private void ensureCapacity(int needed) {
        if (needed > buffer.length) {
            int grown = Math.max(INITIAL, buffer.length * 2);
            buffer = Arrays.copyOf(buffer, Math.min(threshold, Math.max(grown, needed)));
        }
    }

    private void startSpilling() throws IOException {
        spillFile = Files.createTempFile(tempDir, "body", ".tmp");
        spill = new BufferedOutputStream(Files.newOutputStream(spillFile), 64 << 10);
        spill.write(buffer, 0, buffered);
        buffer = null;
        buffered = 0;
    }

    /** Bytes held on the heap now (for tests of bounded memory). */
    int bufferedBytes() {
        return buffer == null ? 0 : buffer.length;
    }

    long size() {
        return size;
    }

    /** CRC32C of the bytes written so far. */
    int checksum() {
        return (int) checksum.getValue();
    }

    /** Ends the body; the result stays valid until {@link #discard()}. */
    BodyContent finish() throws IOException {
        if (spill == null) return new BodyContent.InMemory(buffer, buffered);
        spill.close();
        return new BodyContent.Spilled(spillFile, size);
    }

    /** Drops the body and its temporary file, if any. */
    void discard() {
        buffer = null;
        if (spillFile != null) {
            try {
                spill.close();
                Files.deleteIfExists(spillFile);
            } catch (IOException e) {
                // left for the sweep of the temporary directory at the next start
            }
        }
    }
}
