package org.postloom.spool;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.mail.DsnRequest;
import org.postloom.mail.Envelope;
import org.postloom.mail.Mailbox;
import org.postloom.mail.RecipientDsn;

/** The tenant is stored with the envelope (version 3); envelopes written before it (versions 1 and 2) still read. */
class EnvelopeVersionTest {

    @TempDir
    Path dir;

    @Test
    void theTenantSurvivesAReopen() throws Exception {
        var envelope = new Envelope(QueueIdsTest.anyId(), new Mailbox("app", "acme.test"),
                List.of(new Mailbox("ann", "x.test")), Envelope.BodyType.SEVEN_BIT, false, Instant.ofEpochSecond(5),
                "http [127.0.0.1]", "").withTenant("acme");
        try (var opened = TestMail.open(dir, TestMail.options())) {
            try (var r = opened.spool().receive(envelope)) {
                r.body().write("Subject: t\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII));
                r.commit();
            }
        }
        try (var reopened = TestMail.open(dir, TestMail.options())) {
            assertThat(reopened.spool().message(envelope.queueId()).orElseThrow().envelope().tenant()).isEqualTo("acme");
        }
    }

    @Test
    void versionOneAndTwoEnvelopesReadAsMailOfNoTenant() throws IOException {
        var id = QueueIdsTest.anyId();
        var expected = new Envelope(id, new Mailbox("s", "sender.test"), List.of(new Mailbox("r", "dest.test")),
                Envelope.BodyType.EIGHT_BIT_MIME, false, Instant.ofEpochSecond(7, 9), "client [127.0.0.1]", "TLSv1.3");
        Envelope one = EntryCodec.decodeEnvelope(written(id, 1, out -> { }));
        assertThat(one).isEqualTo(expected);
        assertThat(one.tenant()).isEmpty();

        Envelope two = EntryCodec.decodeEnvelope(written(id, 2, out -> {
            out.writeByte(DsnRequest.Return.HDRS.ordinal());
            string(out, "env-1");
            out.writeByte(1 << RecipientDsn.Notify.FAILURE.ordinal());
            string(out, "rfc822;r@dest.test");
            out.writeBoolean(true);
        }));
        assertThat(two.dsn()).isEqualTo(new DsnRequest(DsnRequest.Return.HDRS, "env-1"));
        assertThat(two.requireTls()).isTrue();
        assertThat(two.tenant()).isEmpty();

        byte[] current = EntryCodec.messagePrefix(two.withTenant("acme"));
        Envelope three = EntryCodec.decodeEnvelope(Arrays.copyOfRange(current, 4, current.length));
        assertThat(three).isEqualTo(two.withTenant("acme"));
    }

    private interface Tail {
        void write(DataOutputStream out) throws IOException;
    }

    /** An envelope as an earlier version wrote it: the fields of version 1, then {@code tail}. */
    private static byte[] written(org.postloom.mail.QueueId id, int version, Tail tail) throws IOException {
        var bytes = new ByteArrayOutputStream();
        try (var out = new DataOutputStream(bytes)) {
            out.writeByte(version);
            string(out, id.value());
            string(out, "s");
            string(out, "sender.test");
            out.writeInt(1);
            string(out, "r");
            string(out, "dest.test");
            out.writeByte(Envelope.BodyType.EIGHT_BIT_MIME.ordinal());
            out.writeBoolean(false);
            out.writeLong(7);
            out.writeInt(9);
            string(out, "client [127.0.0.1]");
            string(out, "TLSv1.3");
            tail.write(out);
        }
        return bytes.toByteArray();
    }

    private static void string(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }
}
