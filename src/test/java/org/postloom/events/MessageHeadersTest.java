package org.postloom.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class MessageHeadersTest {

    @Test
    void foldedFieldsAreUnfoldedTheFirstOneWinsAndTheBodyIsNotRead() {
        String message = "Received: from x\r\n\tby y\r\nMessage-ID:\r\n <abc@x.test>\r\nx-campaign: spring\r\n sale\r\n"
                + "X-Campaign: second\r\nSubject: hi\r\n\r\nX-Tenant: in the body\r\n";
        MessageHeaders h = MessageHeaders.parse(message.getBytes(StandardCharsets.UTF_8), List.of("X-Campaign", "X-Tenant"));
        assertThat(h.messageId()).isEqualTo("<abc@x.test>");
        assertThat(h.fields()).containsExactly(java.util.Map.entry("X-Campaign", "spring sale"));
    }

    @Test
    void aMessageWithoutHeadersHasNone() {
        MessageHeaders h = MessageHeaders.parse("\r\nbody only\r\n".getBytes(StandardCharsets.UTF_8), List.of("X-A"));
        assertThat(h.messageId()).isNull();
        assertThat(h.fields()).isEmpty();
    }

    @Test
    void aMessageThatStartsWithTheEmptyLineHasNoFieldsEvenIfItsBodyLooksLikeThem() {
        MessageHeaders h = MessageHeaders.parse("\r\nMessage-ID: <no@x>\r\nX-A: b\r\n".getBytes(StandardCharsets.UTF_8), List.of("X-A"));
        assertThat(h.messageId()).isNull();
        assertThat(h.fields()).isEmpty();
    }

    @Test
    void fieldNamesMatchWhateverTheirCaseAndAHeadCutOffMidWayStillGivesWhatItHas() {
        String head = "MESSAGE-id: <a@x>\r\nx-a:  one\r\n\ttwo  \r\nX-B: cut off mid-va";
        MessageHeaders h = MessageHeaders.parse(head.getBytes(StandardCharsets.UTF_8), List.of("X-A", "X-B", "X-C"));
        assertThat(h.messageId()).isEqualTo("<a@x>");
        assertThat(h.fields()).containsExactly(java.util.Map.entry("X-A", "one\ttwo"), java.util.Map.entry("X-B", "cut off mid-va"));
    }
}
