package org.postloom.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.postloom.testing.TestMail.body;
import static org.postloom.testing.TestSpool.readBody;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.mail.Envelope;
import org.postloom.testing.TestMail;
import org.postloom.testing.TestSpool;

/** Header lines prepended at commit come first in the stored body, in memory and spilled, and survive recovery. */
class PrependTest {

    private static final byte[] SIGNATURE = "DKIM-Signature: v=1; a=x\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SECOND = "X-First: yes\r\n".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    @Test
    void prependedLinesComeFirstAndSurviveAReopen() throws Exception {
        byte[] small = body("small", 1000);
        byte[] large = body("large", 300_000); // beyond the memory threshold: spilled
        Envelope a, b, c;
        try (var opened = TestSpool.open(dir, TestSpool.options().withMemoryThreshold(64 << 10))) {
            var spool = opened.spool();
            a = receive(spool, small, SIGNATURE);
            b = receive(spool, large, SIGNATURE, SECOND);
            c = receive(spool, new byte[0], SIGNATURE);
            assertStored(spool, a, small, SIGNATURE);
            assertStored(spool, b, large, SECOND, SIGNATURE);
            assertStored(spool, c, new byte[0], SIGNATURE);
        }
        try (var reopened = TestSpool.open(dir, TestSpool.options())) {
            var spool = reopened.spool();
            assertThat(spool.awaitRecovery().messages()).isEqualTo(3);
            assertThat(spool.awaitRecovery().truncatedBytes()).isZero();
            assertStored(spool, a, small, SIGNATURE);
            assertStored(spool, b, large, SECOND, SIGNATURE);
            assertStored(spool, c, new byte[0], SIGNATURE);
        }
    }

    @Test
    void prependAfterCommitIsRefused() throws Exception {
        try (var opened = TestSpool.open(dir, TestSpool.options())) {
            var spool = opened.spool();
            try (var r = spool.receive(TestMail.envelope(spool.newQueueId(), 1))) {
                r.body().write(body("x", 10));
                r.commit();
                assertThatThrownBy(() -> r.prepend(SIGNATURE)).isInstanceOf(IllegalStateException.class);
            }
        }
    }

    @Test
    void concatenatedChecksumEqualsTheChecksumOfTheWhole() {
        var random = new Random(7);
        for (int round = 0; round < 200; round++) {
            byte[] first = new byte[random.nextInt(300)];
            byte[] second = new byte[round < 100 ? random.nextInt(300) : random.nextInt(200_000)];
            random.nextBytes(first);
            random.nextBytes(second);
            var whole = new CRC32C();
            whole.update(first);
            whole.update(second);
            assertThat(Crc32cConcat.of(Frame.checksum(first), Frame.checksum(second), second.length))
                    .isEqualTo((int) whole.getValue());
        }
    }

    private static Envelope receive(Spool spool, byte[] content, byte[]... prepends) throws Exception {
        var envelope = TestMail.envelope(spool.newQueueId(), 1);
        try (var reception = spool.receive(envelope)) {
            reception.body().write(content);
            for (byte[] lines : prepends) reception.prepend(lines);
            reception.commit();
        }
        return envelope;
    }

    /** The stored body is the prepended lines (last call first), then the content. */
    private static void assertStored(Spool spool, Envelope e, byte[] content, byte[]... front) throws Exception {
        var expected = new ByteArrayOutputStream();
        for (byte[] lines : front) expected.write(lines);
        expected.write(content);
        assertThat(spool.message(e.queueId()).orElseThrow().bodySize()).isEqualTo(expected.size());
        assertThat(readBody(spool, e.queueId())).isEqualTo(expected.toByteArray());
    }
}
