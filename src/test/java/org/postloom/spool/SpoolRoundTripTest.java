package org.postloom.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.postloom.testing.TestMail.body;
import static org.postloom.testing.TestSpool.commit;
import static org.postloom.testing.TestSpool.readBody;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.mail.Envelope;
import org.postloom.mail.Mailbox;
import org.postloom.testing.TestMail;
import org.postloom.testing.TestSpool;

class SpoolRoundTripTest {

    @TempDir
    Path dir;

    @Test
    void messagesBodiesAndRecipientStatesSurviveAReopen() throws Exception {
        Envelope a, b, c;
        try (var opened = TestSpool.open(dir, TestSpool.options())) {
            var spool = opened.spool();
            a = commit(spool, 3, body("a", 1000));
            b = commit(spool, 1, new byte[0]);
            c = commit(spool, 2, body("c", 300_000)); // spilled to a temporary file
            spool.record(a.queueId(), 0, RecipientState.DELIVERED);
            spool.record(a.queueId(), 1, new RecipientState.Deferred(Instant.parse("2025-02-01T00:00:00Z"), "451 4.7.1 try later"));
            spool.record(a.queueId(), 2, new RecipientState.Failed("550 5.1.1 no such user"));
            spool.recordAll(c.queueId(), Map.of(0, RecipientState.DELIVERED, 1, RecipientState.DELIVERED));

            assertThat(TestMail.entryIds(opened.published())).containsExactly(a.queueId(), b.queueId(), c.queueId());
            assertThat(TestMail.ids(spool.messages())).containsExactly(a.queueId(), b.queueId());
        }

        try (var reopened = TestSpool.open(dir, TestSpool.options())) {
            var spool = reopened.spool();
            assertThat(spool.awaitRecovery().messages()).isEqualTo(2);
            assertThat(spool.awaitRecovery().truncatedBytes()).isZero();
            assertThat(TestMail.ids(spool.messages())).containsExactlyElementsOf(TestMail.entryIds(reopened.published()));

            var first = spool.message(a.queueId()).orElseThrow();
            assertThat(first.envelope()).isEqualTo(a);
            assertThat(first.recipients()).containsExactly(
                    RecipientState.DELIVERED,
                    new RecipientState.Deferred(Instant.parse("2025-02-01T00:00:00Z"), "451 4.7.1 try later"),
                    new RecipientState.Failed("550 5.1.1 no such user"));
            assertThat(readBody(spool, a.queueId())).isEqualTo(body("a", 1000));
            assertThat(spool.message(b.queueId()).orElseThrow().envelope()).isEqualTo(b);
            assertThat(readBody(spool, b.queueId())).isEmpty();
            assertThat(spool.message(c.queueId())).isEmpty(); // every recipient delivered
        }
    }

    @Test
    void envelopeFieldsOfEveryKindRoundTrip() throws Exception {
        var id = QueueIdsTest.anyId();
        var envelope = new Envelope(id, Mailbox.NULL, List.of(new Mailbox("Jörg", "bücher.example")),
                Envelope.BodyType.SEVEN_BIT, true, Instant.ofEpochSecond(1, 7), "[::1] \u00e9", "");
        try (var opened = TestSpool.open(dir, TestSpool.options())) {
            try (var r = opened.spool().receive(envelope)) {
                r.body().write(body("x", 10));
                r.commit();
            }
        }
        try (var reopened = TestSpool.open(dir, TestSpool.options())) {
            assertThat(reopened.spool().message(id).orElseThrow().envelope()).isEqualTo(envelope);
        }
    }

    @Test
    void aReceptionClosedWithoutCommitLeavesNothing() throws Exception {
        try (var opened = TestSpool.open(dir, TestSpool.options().withMemoryThreshold(16))) {
            var spool = opened.spool();
            try (var r = spool.receive(TestMail.envelope(spool.newQueueId(), 1))) {
                r.body().write(body("gone", 10_000));
            }
            assertThat(spool.messages()).isEmpty();
            assertThat(opened.published()).isEmpty();
            assertThat(dir.resolve("incoming")).isEmptyDirectory();
        }
        try (var reopened = TestSpool.open(dir, TestSpool.options())) {
            assertThat(reopened.spool().messages()).isEmpty();
        }
    }
}
