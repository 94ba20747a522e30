package org.postloom.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.postloom.mail.DsnRequest;
import org.postloom.mail.Envelope;
import org.postloom.mail.RecipientDsn;
import org.postloom.mail.RecipientDsn.Notify;

/** What the session keeps of DSN and REQUIRETLS in the envelope it hands to the store. */
class DsnSessionTest {

    private static Envelope send(SessionSettings settings, String... lines) {
        MemoryStore store = new MemoryStore();
        InMemoryConversation conversation = new InMemoryConversation(settings, "127.0.0.1", store);
        List<String> replies = conversation.send(List.of(lines));
        assertThat(replies).anySatisfy(r -> assertThat(r).startsWith("250 2.0.0 Ok: queued as"));
        return store.committed().getFirst().envelope();
    }

    @Test
    void keepsRetEnvidNotifyAndOrcptExactlyAsReceived() {
        Envelope e = send(TestSettings.session(), "EHLO client.test",
                "MAIL FROM:<a@client.test> RET=hdrs ENVID=QQ+2B314", "RCPT TO:<b@example.test> NOTIFY=delay,SUCCESS ORCPT=rfc822;B+40x.test",
                "RCPT TO:<c@example.test>", "RCPT TO:<d@example.test> NOTIFY=NEVER", "DATA", "Subject: t", "", "hi", ".");
        assertThat(e.dsn()).isEqualTo(new DsnRequest(DsnRequest.Return.HDRS, "QQ+2B314"));
        assertThat(e.dsn().decodedEnvelopeId()).isEqualTo("QQ+314");
        assertThat(e.recipientDsn()).containsExactly(
                new RecipientDsn(Set.of(Notify.SUCCESS, Notify.DELAY), "rfc822;B+40x.test"),
                RecipientDsn.NONE,
                new RecipientDsn(Set.of(Notify.NEVER), ""));
        assertThat(e.dsnOf(0).notifyValue()).isEqualTo("SUCCESS,DELAY");
        assertThat(e.dsnOf(0).decodedOriginalRecipient()).isEqualTo("B@x.test");
        assertThat(e.dsnOf(1).wantsFailure()).as("no NOTIFY means FAILURE,DELAY").isTrue();
        assertThat(e.dsnOf(1).wantsSuccess()).isFalse();
        assertThat(e.dsnOf(2).wantsFailure()).isFalse();
        assertThat(e.requireTls()).isFalse();
    }

    @Test
    void aRefusedRecipientLeavesNoTraceInTheEnvelope() {
        Envelope e = send(TestSettings.session(), "EHLO client.test", "MAIL FROM:<a@client.test>",
                "RCPT TO:<b@example.test> NOTIFY=NEVER,SUCCESS", "RCPT TO:<c@example.test> NOTIFY=SUCCESS",
                "DATA", "Subject: t", "", "hi", ".");
        assertThat(e.recipients()).extracting(Object::toString).containsExactly("c@example.test");
        assertThat(e.recipientDsn()).containsExactly(new RecipientDsn(Set.of(Notify.SUCCESS), ""));
    }

    @Test
    void requireTlsIsKeptOnlyWhenTheSessionIsInsideTls() {
        Envelope e = send(TestSettings.sessionWithTls(), "EHLO client.test", "STARTTLS", "EHLO client.test",
                "MAIL FROM:<a@client.test> REQUIRETLS", "RCPT TO:<b@example.test>", "DATA", "Subject: t", "", "hi", ".");
        assertThat(e.requireTls()).isTrue();
        assertThat(e.tls()).isNotEmpty();
    }
}
