package org.postloom.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.postloom.spool.TestMail.body;
import static org.postloom.spool.TestMail.commit;
import static org.postloom.spool.TestMail.readBody;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.mail.Envelope;
import org.postloom.mail.Mailbox;

class SpoolRoundTripTest {

    @TempDir
    Path dir;

    @Test
    void messagesBodiesAndRecipientStatesSurviveAReopen() throws Exception {
        Envelope a, b, c;
        try (var opened = TestMail.open(dir, TestMail.options())) {
            var spool = opened.spool();
            a = commit(spool, 3, body("a", 1000));
            b = commit(spool, 1, new byte[0]);
            c = commit(spool, 2, body("c", 300_000)); // spilled to a temporary file
            spool.recordDelivered(a.queueId(), 0);
            spool.recordDeferred(a.queueId(), 1, Instant.parse("2025-02-01T00:00:00Z"), "451 4.7.1 try later");
            spool.recordFailed(a.queueId(), 2, "550 5.1.1 no such user");
            spool.recordAll(c.queueId(), Map.of(0, RecipientState.DELIVERED, 1, RecipientState.DELIVERED));

            assertThat(TestMail.entryIds(opened.published())).containsExactly(a.queueId(), b.queueId(), c.queueId());
            assertThat(TestMail.ids(spool.messages())).containsExactly(a.queueId(), b.queueId());
        }

        try (var reopened = TestMail.open(dir, TestMail.options())) {
            var spool = reopened.spool();
            assertThat(spool.isRecovered()).isTrue();
            assertThat(spool.recovery().messages()).isEqualTo(2);
            assertThat(spool.recovery().truncatedBytes()).isZero();
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
        try (var opened = TestMail.open(dir, TestMail.options())) {
            try (var r = opened.spool().receive(envelope)) {
                r.body().write(body("x", 10));
                r.commit();
            }
        }
        try (var reopened = TestMail.open(dir, TestMail.options())) {
            assertThat(reopened.spool().message(id).orElseThrow().envelope()).isEqualTo(envelope);
        }
    }

    @Test
    void aReceptionClosedWithoutCommitLeavesNothing() throws Exception {
        try (var opened = TestMail.open(dir, TestMail.options().withMemoryThreshold(16))) {
            var spool = opened.spool();
            try (var r = spool.receive(TestMail.envelope(spool.newQueueId(), 1))) {
                r.body().write(body("gone", 10_000));
            }
            assertThat(spool.messages()).isEmpty();
            assertThat(opened.published()).isEmpty();
            assertThat(dir.resolve("incoming")).isEmptyDirectory();
        }
        try (var reopened = TestMail.open(dir, TestMail.options())) {
            assertThat(reopened.spool().messages()).isEmpty();
        }
    }
}
