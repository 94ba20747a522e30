package org.postloom.spool;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.testing.TestMail;
import org.postloom.testing.TestSpool;

class LargeBodyTest {

    private static final int THRESHOLD = 128 << 10;
    private static final int SIZE = 20 << 20;

    @TempDir
    Path dir;

    @Test
    void aLargeBodyIsSpilledWithBoundedHeapAndRoundTripsExactly() throws Exception {
        var options = TestSpool.options().withMemoryThreshold(THRESHOLD).withSegmentSize(4 << 20);
        var id = QueueIdsTest.anyId();
        try (var opened = TestSpool.open(dir, options)) {
            var reception = (SpoolReception) opened.spool().receive(TestMail.envelope(id, 2));
            writeBody(chunk -> {
                reception.body().write(chunk);
                assertThat(reception.bufferedBytes()).isLessThanOrEqualTo(THRESHOLD);
            });
            assertThat(Files.list(dir.resolve("incoming"))).as("spilled to a temporary file").hasSize(1);
            reception.commit();
            reception.close();
            assertThat(Files.list(dir.resolve("incoming"))).as("temporary file removed").isEmpty();
            assertThat(digest(opened.spool().openBody(id))).isEqualTo(expectedDigest());
        }
        try (var reopened = TestSpool.open(dir, options)) {
            var message = reopened.spool().message(id).orElseThrow();
            assertThat(message.bodySize()).isEqualTo(SIZE);
            assertThat(digest(reopened.spool().openBody(id))).isEqualTo(expectedDigest());
        }
    }

    private interface ChunkSink {
        void accept(byte[] chunk) throws Exception;
    }

    /** Produces the same 20 MiB of random bytes every time, in 64 KiB chunks. */
    private static void writeBody(ChunkSink sink) throws Exception {
        var random = new Random(42);
        var chunk = new byte[64 << 10];
        for (int sent = 0; sent < SIZE; sent += chunk.length) {
            random.nextBytes(chunk);
            sink.accept(chunk);
        }
    }

    private static byte[] expectedDigest() throws Exception {
        var digest = MessageDigest.getInstance("SHA-256");
        writeBody(digest::update);
        return digest.digest();
    }

    private static byte[] digest(InputStream body) throws Exception {
        try (body) {
            var digest = MessageDigest.getInstance("SHA-256");
            var buffer = new byte[32 << 10];
            for (int n; (n = body.read(buffer)) > 0; ) digest.update(buffer, 0, n);
            return digest.digest();
        }
    }
}
