package org.postloom.spool;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.postloom.mail.Envelope;
import org.postloom.mail.Mailbox;
import org.postloom.mail.QueueId;

/** The stored envelope keeps the egress source chosen at queueing (version 3) and still reads version 2. */
class EnvelopeVersionTest {

    private static final Envelope ENVELOPE = new Envelope(new QueueId("0123456789AB"), new Mailbox("a", "b.test"),
            List.of(new Mailbox("c", "d.test")), Envelope.BodyType.SEVEN_BIT, false, Instant.parse("2026-12-01T10:00:00Z"),
            "client [127.0.0.1]", "").withEgressSource("ip1");

    @Test
    void theChosenSourceIsStoredWithTheEnvelope() throws Exception {
        byte[] prefix = EntryCodec.messagePrefix(ENVELOPE);
        assertThat(EntryCodec.decodeEnvelope(Arrays.copyOfRange(prefix, 4, prefix.length))).isEqualTo(ENVELOPE);
    }

    @Test
    void aVersionTwoEnvelopeReadsWithNoSource() throws Exception {
        byte[] prefix = EntryCodec.messagePrefix(ENVELOPE);
        // Version 2 is version 3 without the trailing source (a 4-byte length and "ip1").
        byte[] v1 = Arrays.copyOfRange(prefix, 4, prefix.length - 4 - "ip1".getBytes(StandardCharsets.UTF_8).length);
        assertThat(v1[0]).isEqualTo((byte) 3);
        v1[0] = 2;
        assertThat(EntryCodec.decodeEnvelope(v1)).isEqualTo(ENVELOPE.withEgressSource(""));
    }
}
