package org.postloom.inject;

import jakarta.activation.DataHandler;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.internet.MimeUtility;
import jakarta.mail.util.ByteArrayDataSource;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UnsupportedEncodingException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import org.postloom.inject.InjectionRequest.Attachment;
import org.postloom.inject.InjectionRequest.Built;
import org.postloom.inject.InjectionRequest.Header;
import org.postloom.inject.InjectionRequest.Party;
import org.postloom.inject.InjectionRequest.Recipient;

/**
 * The builder form made into MIME by Jakarta Mail (Angus): one message per recipient, with the
 * recipient in To:. Text and HTML become multipart/alternative (RFC 2046 5.1.4, plainest first);
 * attachments a multipart/mixed around it; non-ASCII words in header fields RFC 2047 encoded
 * words, file names RFC 2231 parameters; Jakarta Mail picks each part's transfer encoding.
 */
final class BuiltMessage {

    private static final String STREAM_PROVIDER = "jakarta.mail.util.StreamProvider";

    static {
        // Jakarta Mail 2.1 finds its StreamProvider through ServiceLoader, scanning the jars, for
        // every part it writes (jakartaee/mail-api#861: 13% of the CPU of an http-1 bench run).
        // Named by its system property, the lookup is one Class.forName instead.
        if (System.getProperty(STREAM_PROVIDER) == null) {
            System.setProperty(STREAM_PROVIDER, "org.eclipse.angus.mail.util.MailStreamProvider");
        }
    }

    private static final Session SESSION = Session.getInstance(new Properties());
    private static final String UTF_8 = StandardCharsets.UTF_8.name();

    private BuiltMessage() {}

    /**
     * Writes the message for {@code recipient}, its templates rendered with {@code values}.
     *
     * @param messageId used unless the request's headers give one (RFC 5322 3.6.4)
     * @param date      used unless the request's headers give one (RFC 5322 3.6.1)
     */
    static void write(Built content, Recipient recipient, String recipientField, Map<String, Object> values,
                      String messageId, String date, OutputStream out) throws Refusal, IOException {
        try {
            MimeMessage m = new MimeMessage(SESSION) {
                @Override
                protected void updateMessageID() {
                    // ours is set below; Jakarta Mail's own would look up the local host name
                }
            };
            m.setHeader("Date", date);
            m.setFrom(address(content.from()));
            m.setRecipient(Message.RecipientType.TO, address(new Party(recipient.email(), recipient.name())));
            if (content.replyTo().isPresent()) m.setReplyTo(new InternetAddress[] {address(content.replyTo().get())});
            if (content.subject().isPresent()) m.setSubject(content.subject().get().renderLine(values, recipientField), UTF_8);
            m.setHeader("Message-ID", messageId);
            for (Header h : content.headers()) {
                String value = h.value().renderLine(values, recipientField);
                m.setHeader(h.name(), MimeUtility.fold(h.name().length() + 2, MimeUtility.encodeText(value, UTF_8, null)));
            }
            fill(m, content, values, recipientField);
            m.saveChanges();
            m.writeTo(out);
        } catch (MessagingException e) {
            throw Refusal.badRequest("content: cannot be made into MIME for " + recipientField + ": " + e.getMessage());
        }
    }

    private static void fill(MimeMessage m, Built content, Map<String, Object> values, String recipientField)
            throws Refusal, MessagingException {
        // CRLF line ends (RFC 5322 2.3): a bare LF in a 7bit part would go onto the wire as it is.
        String text = content.textBody().isPresent() ? RawMessage.crlf(content.textBody().get().render(values, recipientField)) : null;
        String html = content.htmlBody().isPresent() ? RawMessage.crlf(content.htmlBody().get().render(values, recipientField)) : null;
        boolean both = text != null && html != null;
        String single = text != null ? text : html;
        String subtype = text != null ? "plain" : "html";
        if (content.attachments().isEmpty()) {
            if (both) m.setContent(alternative(text, html));
            else m.setText(single, UTF_8, subtype);
            return;
        }
        MimeMultipart mixed = new MimeMultipart("mixed");
        if (both) {
            MimeBodyPart wrapper = new MimeBodyPart();
            wrapper.setContent(alternative(text, html));
            mixed.addBodyPart(wrapper);
        } else if (single != null) {
            mixed.addBodyPart(textPart(single, subtype));
        }
        for (Attachment a : content.attachments()) mixed.addBodyPart(attachment(a));
        m.setContent(mixed);
    }

    private static MimeMultipart alternative(String text, String html) throws MessagingException {
        MimeMultipart alternative = new MimeMultipart("alternative");
        alternative.addBodyPart(textPart(text, "plain"));
        alternative.addBodyPart(textPart(html, "html"));
        return alternative;
    }

    private static MimeBodyPart textPart(String text, String subtype) throws MessagingException {
        MimeBodyPart part = new MimeBodyPart();
        part.setText(text, UTF_8, subtype);
        return part;
    }

    private static MimeBodyPart attachment(Attachment a) throws MessagingException {
        MimeBodyPart part = new MimeBodyPart();
        part.setDataHandler(new DataHandler(new ByteArrayDataSource(a.content(), a.contentType())));
        part.setFileName(a.fileName());
        part.setDisposition(Part.ATTACHMENT);
        part.setHeader("Content-Transfer-Encoding", "base64"); // binary stays intact whatever it holds
        return part;
    }

    private static InternetAddress address(Party p) throws Refusal {
        try {
            return p.name().isEmpty() ? new InternetAddress(p.email().toString())
                    : new InternetAddress(p.email().toString(), p.name(), UTF_8);
        } catch (UnsupportedEncodingException | jakarta.mail.internet.AddressException e) {
            throw Refusal.badRequest("address " + p.email() + ": " + e.getMessage());
        }
    }
}
