package org.postloom.spool;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.mail.DsnRequest;
import org.postloom.mail.Envelope;
import org.postloom.mail.Mailbox;
import org.postloom.mail.QueueId;
import org.postloom.mail.RecipientDsn;
import org.postloom.mail.RecipientDsn.Notify;
import org.postloom.testing.TestSpool;

/** DSN parameters, REQUIRETLS, the delay-reported mark and report particulars survive a restart; old envelopes still read. */
class DsnDurabilityTest {

    @TempDir
    Path dir;

    static Envelope withDsn(QueueId id) {
        return new Envelope(id, new Mailbox("s", "sender.test"),
                List.of(new Mailbox("a", "dest.test"), new Mailbox("b", "dest.test"), new Mailbox("c", "dest.test")),
                Envelope.BodyType.EIGHT_BIT_MIME, false, Instant.parse("2026-12-01T08:00:00.123Z"), "client [127.0.0.1]",
                "TLSv1.3 X", new DsnRequest(DsnRequest.Return.FULL, "ID+2Bone"),
                List.of(new RecipientDsn(Set.of(Notify.SUCCESS, Notify.FAILURE, Notify.DELAY), "rfc822;A+40dest.test"),
                        new RecipientDsn(Set.of(Notify.NEVER), ""), RecipientDsn.NONE),
                true);
    }

    @Test
    void everyParameterAndTheDelayMarkSurviveAReopen() throws Exception {
        Envelope sent;
        Instant next = Instant.parse("2026-12-01T13:00:00Z");
        try (var opened = TestSpool.open(dir, TestSpool.options())) {
            Spool spool = opened.spool();
            sent = queue(spool);
            spool.record(sent.queueId(), 0, new RecipientState.Deferred(next, "451 4.3.0 later", true));
            spool.record(sent.queueId(), 1, new RecipientState.Deferred(next, "451 4.3.0 later"));
        }
        try (var reopened = TestSpool.open(dir, TestSpool.options())) {
            SpooledMessage back = reopened.spool().message(sent.queueId()).orElseThrow();
            assertThat(back.envelope()).isEqualTo(sent);
            assertThat(back.recipients()).containsExactly(new RecipientState.Deferred(next, "451 4.3.0 later", true),
                    new RecipientState.Deferred(next, "451 4.3.0 later", false), RecipientState.PENDING);
        }
    }

    /** What the reports will say waits with the states: through a reopen, and in a compaction copy. */
    static final List<RecipientState> WITH_PARTICULARS = List.of(
            new RecipientState.Delivered("250 2.0.0 Ok", Optional.of(new RecipientState.Attempted("2.0.0", "mx.dest.test",
                    Instant.parse("2026-12-01T09:00:00Z")))),
            new RecipientState.Deferred(Instant.parse("2026-12-01T13:00:00Z"), "421 4.4.1 refused", true,
                    Optional.of(new RecipientState.Attempted("4.4.1", "", Instant.parse("2026-12-01T09:01:00Z")))),
            new RecipientState.Failed("550 5.1.1 no such user", Optional.of(new RecipientState.Attempted("5.1.1",
                    "mx.dest.test", Instant.parse("2026-12-01T09:02:00Z")))));

    @Test
    void theParticularsOfEachStateSurviveAReopenAndACompactionCopy() throws Exception {
        Envelope sent;
        try (var opened = TestSpool.open(dir, TestSpool.options())) {
            Spool spool = opened.spool();
            sent = queue(spool);
            for (int i = 0; i < WITH_PARTICULARS.size(); i++) spool.record(sent.queueId(), i, WITH_PARTICULARS.get(i));
            assertThat(spool.message(sent.queueId())).as("one recipient still deferred").isPresent();
        }
        try (var reopened = TestSpool.open(dir, TestSpool.options())) {
            assertThat(reopened.spool().message(sent.queueId()).orElseThrow().recipients()).isEqualTo(WITH_PARTICULARS);
        }
        byte[] copy = EntryCodec.copyPrefix(WITH_PARTICULARS);
        assertThat(EntryCodec.decodeStates(Arrays.copyOfRange(copy, 4, copy.length))).isEqualTo(WITH_PARTICULARS);
    }

    @Test
    void anEnvelopeOfVersionOneReadsWithoutDsn() throws Exception {
        var bytes = new ByteArrayOutputStream();
        try (var out = new DataOutputStream(bytes)) {
            out.writeByte(1);
            string(out, "Q1");
            string(out, "s");
            string(out, "sender.test");
            out.writeInt(1);
            string(out, "a");
            string(out, "dest.test");
            out.writeByte(0);
            out.writeBoolean(false);
            out.writeLong(1_000);
            out.writeInt(5);
            string(out, "client [127.0.0.1]");
            string(out, "");
        }
        Envelope old = EntryCodec.decodeEnvelope(bytes.toByteArray());
        assertThat(old).isEqualTo(new Envelope(new QueueId("Q1"), new Mailbox("s", "sender.test"),
                List.of(new Mailbox("a", "dest.test")), Envelope.BodyType.SEVEN_BIT, false, Instant.ofEpochSecond(1_000, 5),
                "client [127.0.0.1]", ""));
        assertThat(old.dsn()).isEqualTo(DsnRequest.NONE);
        assertThat(old.recipientDsn()).containsExactly(RecipientDsn.NONE);
        assertThat(old.requireTls()).isFalse();
    }

    private static Envelope queue(Spool spool) throws Exception {
        Envelope sent = withDsn(spool.newQueueId());
        try (var reception = spool.receive(sent)) {
            reception.body().write("Subject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII));
            reception.commit();
        }
        return sent;
    }

    private static void string(DataOutputStream out, String s) throws Exception {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }
}
