package org.postloom.inject;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.postloom.mail.Mailbox;

/**
 * A checked {@code POST /messages} body (CONTRACT.md 4): every address parsed, every template
 * compiled, every attachment decoded. What can still go wrong is per recipient (a value missing
 * for a template) or storage.
 *
 * @param envelopeSender the reverse-path; when absent, the builder's {@code from} or the raw From
 * @param substitutions  values for every recipient's templates
 */
record InjectionRequest(Optional<Mailbox> envelopeSender, List<Recipient> recipients,
                        Map<String, Object> substitutions, Content content) {

    /** @param name display name for To: in the builder form; empty when not given */
    record Recipient(Mailbox email, String name, Map<String, Object> substitutions) {}

    sealed interface Content {}

    /** A whole RFC 5322 message as one template. */
    record Raw(Templates.Text message) implements Content {}

    /** The parts of a message, assembled into MIME for each recipient. */
    record Built(Party from, Optional<Party> replyTo, Optional<Templates.Text> subject,
                 Optional<Templates.Text> textBody, Optional<Templates.Text> htmlBody,
                 List<Header> headers, List<Attachment> attachments) implements Content {}

    record Party(Mailbox email, String name) {}

    /** A header field of the builder form; its value is a template. */
    record Header(String name, Templates.Text value) {}

    record Attachment(String fileName, String contentType, byte[] content) {}

    /** The values one recipient's templates see: the global ones, then email and name, then the recipient's own. */
    Map<String, Object> valuesFor(Recipient recipient) {
        var values = new java.util.HashMap<>(substitutions);
        values.put("email", recipient.email().toString());
        values.put("name", recipient.name());
        values.putAll(recipient.substitutions());
        return values;
    }
}
