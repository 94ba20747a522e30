package org.postloom.inject;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.BodyPart;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The builder form, stored through the intake, read back from the spool and parsed by Jakarta Mail's own parser. */
class BuilderFormTest {

    private static final byte[] PDF = "%PDF-1.4 \u0000\u00ff\u0001 binary".getBytes(StandardCharsets.ISO_8859_1);

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
    void eachRecipientGetsItsOwnMessageWithItsOwnValues() throws Exception {
        var body = fixture.inject("""
                {"envelope_sender": "bounces@app.test",
                 "recipients": [{"email": "ann@x.test", "name": "Ann Ö", "substitutions": {"first": "Ann", "tag": "<b>"}},
                                {"email": "bob@y.test", "substitutions": {"first": "Bob"}}],
                 "substitutions": {"product": "Loom", "tag": "<i>"},
                 "content": {"from": {"email": "app@app.test", "name": "App"}, "reply_to": "help@app.test",
                   "subject": "Hi {{first}}, about {{product}}",
                   "text_body": "Dear {{first}}, {{tag}} {{email}}",
                   "html_body": "<p>Dear {{first}}, {{tag}} and {{{tag}}}</p>",
                   "headers": {"X-Campaign": "c-{{product}}"},
                   "attachments": [{"file_name": "a.pdf", "content_type": "application/pdf", "base64": "%s"}]}}
                """.formatted(Base64.getEncoder().encodeToString(PDF)));

        var messages = body.get("messages");
        assertThat(messages).hasSize(2);
        assertThat(messages.get(0).get("recipient").asText()).isEqualTo("ann@x.test");
        assertThat(messages.get(1).get("recipient").asText()).isEqualTo("bob@y.test");
        assertThat(messages.get(0).get("queue_id").asText()).isNotEqualTo(messages.get(1).get("queue_id").asText());
        assertThat(fixture.queued()).isEqualTo(2);

        String annStored = fixture.content(messages.get(0).get("queue_id").asText());
        assertThat(annStored).startsWith("Received: from [127.0.6.1]\r\n\tby relay.test (Postloom) with HTTP id "
                + messages.get(0).get("queue_id").asText() + "\r\n\tfor <ann@x.test>;");
        MimeMessage ann = parse(annStored);
        assertThat(ann.getSubject()).isEqualTo("Hi Ann, about Loom");
        assertThat(((InternetAddress) ann.getRecipients(MimeMessage.RecipientType.TO)[0]).getPersonal()).isEqualTo("Ann Ö");
        assertThat(ann.getRecipients(MimeMessage.RecipientType.TO)).hasSize(1);
        assertThat(ann.getHeader("X-Campaign")[0]).isEqualTo("c-Loom");
        assertThat(ann.getHeader("Message-ID")[0]).isEqualTo("<" + messages.get(0).get("queue_id").asText() + "@relay.test>");
        assertThat(ann.getSentDate()).isNotNull();
        assertThat(ann.getReplyTo()[0].toString()).isEqualTo("help@app.test");

        Multipart mixed = (Multipart) ann.getContent();
        assertThat(ann.getContentType()).startsWith("multipart/mixed");
        Multipart alternative = (Multipart) mixed.getBodyPart(0).getContent();
        assertThat(mixed.getBodyPart(0).getContentType()).startsWith("multipart/alternative");
        assertThat(alternative.getBodyPart(0).getContent()).isEqualTo("Dear Ann, <b> ann@x.test");
        assertThat(alternative.getBodyPart(1).getContent()).isEqualTo("<p>Dear Ann, &lt;b&gt; and <b></p>");
        BodyPart pdf = mixed.getBodyPart(1);
        assertThat(pdf.getDisposition()).isEqualTo(Part.ATTACHMENT);
        assertThat(pdf.getFileName()).isEqualTo("a.pdf");
        assertThat(pdf.getContentType()).startsWith("application/pdf");
        assertThat(pdf.getInputStream().readAllBytes()).isEqualTo(PDF);

        MimeMessage bob = parse(fixture.content(messages.get(1).get("queue_id").asText()));
        assertThat(bob.getSubject()).isEqualTo("Hi Bob, about Loom");
        assertThat(bob.getRecipients(MimeMessage.RecipientType.TO)[0].toString()).isEqualTo("bob@y.test");
        Multipart bobAlternative = (Multipart) ((Multipart) bob.getContent()).getBodyPart(0).getContent();
        assertThat(bobAlternative.getBodyPart(1).getContent()).as("the global value where the recipient has none")
                .isEqualTo("<p>Dear Bob, &lt;i&gt; and <i></p>");
    }

    @Test
    void aTextOnlyMessageIsOnePartAndKeepsAGivenMessageId() throws Exception {
        var body = fixture.inject("""
                {"recipients": [{"email": "ann@x.test"}],
                 "content": {"from": "app@app.test", "subject": "Grüße", "text_body": "Zürich\\nline two",
                   "headers": {"Message-ID": "<mine@app.test>"}}}""");
        MimeMessage m = parse(fixture.content(body.get("messages").get(0).get("queue_id").asText()));
        assertThat(m.getContentType()).startsWith("text/plain");
        assertThat(m.getContent()).as("line ends made CRLF").isEqualTo("Zürich\r\nline two");
        assertThat(m.getSubject()).isEqualTo("Grüße");
        assertThat(m.getHeader("Message-ID")).containsExactly("<mine@app.test>");
        assertThat(fixture.spool.messages().getFirst().envelope().sender().toString())
                .as("the envelope sender defaults to from").isEqualTo("app@app.test");
    }

    static MimeMessage parse(String stored) throws Exception {
        return new MimeMessage(Session.getInstance(new Properties()),
                new ByteArrayInputStream(stored.getBytes(StandardCharsets.UTF_8)));
    }
}
