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

/** The stored envelope keeps the egress source chosen at queueing (version 4) and still reads version 3. */
class EgressSourceEnvelopeTest {

    private static final Envelope ENVELOPE = new Envelope(new QueueId("0123456789AB"), new Mailbox("a", "b.test"),
            List.of(new Mailbox("c", "d.test")), Envelope.BodyType.SEVEN_BIT, false, Instant.parse("2026-12-01T10:00:00Z"),
            "client [127.0.0.1]", "").withTenant("acme").withEgressSource("ip1");

    @Test
    void theChosenSourceIsStoredWithTheEnvelope() throws Exception {
        byte[] prefix = EntryCodec.messagePrefix(ENVELOPE);
        assertThat(EntryCodec.decodeEnvelope(Arrays.copyOfRange(prefix, 4, prefix.length))).isEqualTo(ENVELOPE);
    }

    @Test
    void aVersionThreeEnvelopeReadsWithNoSource() throws Exception {
        byte[] prefix = EntryCodec.messagePrefix(ENVELOPE);
        // Version 3 is version 4 without the trailing source (a 4-byte length and "ip1").
        byte[] v3 = Arrays.copyOfRange(prefix, 4, prefix.length - 4 - "ip1".getBytes(StandardCharsets.UTF_8).length);
        assertThat(v3[0]).isEqualTo((byte) 4);
        v3[0] = 3;
        assertThat(EntryCodec.decodeEnvelope(v3)).isEqualTo(ENVELOPE.withEgressSource(""));
    }
}
