package org.postloom.inject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The raw form: a whole message as one template, line ends made CRLF, Date and Message-ID added when absent. */
class RawFormTest {

    @TempDir
    Path dir;
    InjectionFixture fixture;

    @BeforeEach
    void open() throws Exception {
        fixture = new InjectionFixture(dir);
    }

    @AfterEach
    void close() {
        fixture.close();
    }

    @Test
    void recipientsWhoseMessageComesOutTheSameShareOneMessage() throws Exception {
        var body = fixture.inject("""
                {"envelope_sender": "b@app.test",
                 "recipients": [{"email": "ann@x.test"}, {"email": "bob@x.test"}],
                 "substitutions": {"product": "Loom"},
                 "content": "From: app@app.test\\nTo: list@app.test\\nSubject: {{product}}\\n\\nHello from {{product}}\\n"}""");
        var messages = body.get("messages");
        assertThat(messages).hasSize(2);
        String id = messages.get(0).get("queue_id").asText();
        assertThat(messages.get(1).get("queue_id").asText()).isEqualTo(id);
        assertThat(fixture.queued()).isEqualTo(1);
        assertThat(fixture.spool.messages().getFirst().envelope().recipients()).hasSize(2);

        String stored = fixture.content(id);
        String afterTrace = stored.substring(stored.indexOf("\r\nDate: ") + 2);
        assertThat(afterTrace).matches("(?s)Date: \\w{3}, \\d{1,2} \\w{3} \\d{4} \\d\\d:\\d\\d:\\d\\d \\+0000\r\n"
                + "Message-ID: <" + id + "@relay\\.test>\r\nFrom: app@app\\.test\r\nTo: list@app\\.test\r\n"
                + "Subject: Loom\r\n\r\nHello from Loom\r\n");
    }

    @Test
    void perRecipientValuesMakeOneMessageEachAndAGivenDateStays() throws Exception {
        var body = fixture.inject("""
                {"envelope_sender": "b@app.test",
                 "recipients": [{"email": "ann@x.test", "substitutions": {"first": "Ann"}},
                                {"email": "bob@x.test", "substitutions": {"first": "Bob"}}],
                 "content": "From: app@app.test\\r\\nDate: Mon, 1 Dec 2025 10:00:00 +0000\\r\\nMessage-ID: <m@app.test>\\r\\n\\r\\nHi {{first}}"}""");
        var messages = body.get("messages");
        assertThat(messages.get(0).get("queue_id").asText()).isNotEqualTo(messages.get(1).get("queue_id").asText());
        String bob = fixture.content(messages.get(1).get("queue_id").asText());
        assertThat(bob).endsWith("\r\nFrom: app@app.test\r\nDate: Mon, 1 Dec 2025 10:00:00 +0000\r\n"
                + "Message-ID: <m@app.test>\r\n\r\nHi Bob\r\n");
        assertThat(bob.split("Date:", -1)).as("no second Date").hasSize(2);
    }

    @Test
    void aMessageWithoutFromOrWithALineThatIsNoFieldIsRefused() {
        assertThatThrownBy(() -> fixture.inject("""
                {"envelope_sender": "b@app.test", "recipients": [{"email": "ann@x.test"}],
                 "content": "Subject: x\\n\\nbody"}"""))
                .isInstanceOf(Refusal.class).hasMessageContaining("content: the message has no From");
        assertThatThrownBy(() -> fixture.inject("""
                {"envelope_sender": "b@app.test", "recipients": [{"email": "ann@x.test"}],
                 "content": "From: a@app.test\\nthis is no field\\n\\nbody"}"""))
                .isInstanceOf(Refusal.class).hasMessageContaining("header line 2 is not a field");
        assertThatThrownBy(() -> fixture.inject("""
                {"recipients": [{"email": "ann@x.test"}], "content": "From: a@app.test\\n\\nbody"}"""))
                .isInstanceOf(Refusal.class).hasMessageContaining("envelope_sender: required with raw content");
        assertThat(fixture.queued()).isZero();
    }
}
