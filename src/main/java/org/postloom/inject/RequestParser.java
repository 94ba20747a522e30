package org.postloom.inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.postloom.inject.InjectionRequest.Attachment;
import org.postloom.inject.InjectionRequest.Built;
import org.postloom.inject.InjectionRequest.Header;
import org.postloom.inject.InjectionRequest.Party;
import org.postloom.inject.InjectionRequest.Raw;
import org.postloom.inject.InjectionRequest.Recipient;

/** Reads the JSON of {@code POST /messages} into an {@link InjectionRequest}; every refusal names its field. */
final class RequestParser {

    /** RFC 5322 2.2: printable ASCII except the colon. */
    private static final Pattern FIELD_NAME = Pattern.compile("[!-9;-~]+");
    /** Fields the builder writes itself, from the fields of the request. */
    private static final Set<String> BUILDER_FIELDS = Set.of("from", "to", "cc", "bcc", "reply-to", "subject",
            "mime-version", "content-type", "content-transfer-encoding");
    private static final Pattern WHITESPACE = Pattern.compile("[\\r\\n\\t ]+");
    private static final Pattern MIME_TYPE = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+/[!#$%&'*+.^_`|~0-9A-Za-z-]+");

    private final ObjectMapper json;
    private final int maxRecipients;

    RequestParser(ObjectMapper json, int maxRecipients) {
        this.json = json;
        this.maxRecipients = maxRecipients;
    }

    InjectionRequest parse(JsonNode root) throws Refusal {
        if (root == null || !root.isObject()) throw Refusal.badRequest("body: must be a JSON object");
        Optional<org.postloom.mail.Mailbox> sender = optionalText(root, "envelope_sender").isPresent()
                ? Optional.of(Addresses.parse(root.get("envelope_sender").asText(), "envelope_sender"))
                : Optional.empty();
        List<Recipient> recipients = recipients(root.get("recipients"));
        Map<String, Object> substitutions = substitutions(root.get("substitutions"), "substitutions");
        JsonNode content = root.get("content");
        InjectionRequest.Content parsed;
        if (content != null && content.isTextual()) {
            parsed = new Raw(Templates.compile("content", content.asText(), false));
        } else if (content != null && content.isObject()) {
            parsed = built(content);
        } else {
            throw Refusal.badRequest("content: required, a raw RFC 5322 message (string) or the builder form (object)");
        }
        return new InjectionRequest(sender, recipients, substitutions, parsed);
    }

    private List<Recipient> recipients(JsonNode node) throws Refusal {
        if (node == null || !node.isArray() || node.isEmpty()) {
            throw Refusal.badRequest("recipients: required, a non-empty array");
        }
        if (node.size() > maxRecipients) {
            throw Refusal.badRequest("recipients: " + node.size() + " is over postloom.limits.recipients (" + maxRecipients + ")");
        }
        List<Recipient> out = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            String field = "recipients[" + i + "]";
            JsonNode r = node.get(i);
            if (!r.isObject()) throw Refusal.badRequest(field + ": must be an object with \"email\"");
            out.add(new Recipient(Addresses.parse(requiredText(r, "email", field), field + ".email"),
                    optionalText(r, "name", field).orElse(""), substitutions(r.get("substitutions"), field + ".substitutions")));
        }
        return out;
    }

    private Map<String, Object> substitutions(JsonNode node, String field) throws Refusal {
        if (node == null || node.isNull()) return Map.of();
        if (!node.isObject()) throw Refusal.badRequest(field + ": must be an object");
        @SuppressWarnings("unchecked")
        Map<String, Object> values = json.convertValue(node, Map.class);
        return values;
    }

    private Built built(JsonNode c) throws Refusal {
        Party from = party(c.get("from"), "content.from");
        if (from == null) throw Refusal.badRequest("content.from: required, {\"email\": ..., \"name\": ...} or an address");
        Optional<Party> replyTo = Optional.ofNullable(party(c.get("reply_to"), "content.reply_to"));
        Optional<Templates.Text> subject = template(c, "subject", false);
        Optional<Templates.Text> text = template(c, "text_body", false);
        Optional<Templates.Text> html = template(c, "html_body", true);
        List<Attachment> attachments = attachments(c.get("attachments"));
        if (text.isEmpty() && html.isEmpty() && attachments.isEmpty()) {
            throw Refusal.badRequest("content: needs text_body, html_body or attachments");
        }
        return new Built(from, replyTo, subject, text, html, headers(c.get("headers")), attachments);
    }

    /** An address given as a string, or as {"email", "name"}; null when absent. */
    private static Party party(JsonNode node, String field) throws Refusal {
        if (node == null || node.isNull()) return null;
        if (node.isTextual()) return new Party(Addresses.parse(node.asText(), field), "");
        if (!node.isObject()) throw Refusal.badRequest(field + ": must be an address or {\"email\": ..., \"name\": ...}");
        return new Party(Addresses.parse(requiredText(node, "email", field), field + ".email"),
                optionalText(node, "name", field).orElse(""));
    }

    private static Optional<Templates.Text> template(JsonNode c, String name, boolean html) throws Refusal {
        Optional<String> source = optionalText(c, name, "content");
        return source.isEmpty() ? Optional.empty() : Optional.of(Templates.compile("content." + name, source.get(), html));
    }

    private static List<Header> headers(JsonNode node) throws Refusal {
        if (node == null || node.isNull()) return List.of();
        if (!node.isObject()) throw Refusal.badRequest("content.headers: must be an object of field names to values");
        List<Header> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            var e = it.next();
            String field = "content.headers." + e.getKey();
            if (!FIELD_NAME.matcher(e.getKey()).matches()) throw Refusal.badRequest(field + ": not a valid header field name");
            if (BUILDER_FIELDS.contains(e.getKey().toLowerCase(Locale.ROOT))) {
                throw Refusal.badRequest(field + ": set by the builder from its own fields");
            }
            if (!e.getValue().isTextual()) throw Refusal.badRequest(field + ": must be a string");
            String value = e.getValue().asText();
            if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
                throw Refusal.badRequest(field + ": must not contain CR or LF"); // no header injection
            }
            out.add(new Header(e.getKey(), Templates.compile(field, value, false)));
        }
        return out;
    }

    private static List<Attachment> attachments(JsonNode node) throws Refusal {
        if (node == null || node.isNull()) return List.of();
        if (!node.isArray()) throw Refusal.badRequest("content.attachments: must be an array");
        List<Attachment> out = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            String field = "content.attachments[" + i + "]";
            JsonNode a = node.get(i);
            if (!a.isObject()) throw Refusal.badRequest(field + ": must be an object");
            String name = requiredText(a, "file_name", field);
            if (name.isBlank() || name.chars().anyMatch(Character::isISOControl)) {
                throw Refusal.badRequest(field + ".file_name: must be a name without control characters");
            }
            String type = optionalText(a, "content_type", field).orElse("application/octet-stream");
            if (!MIME_TYPE.matcher(type).matches()) throw Refusal.badRequest(field + ".content_type: not a type/subtype");
            byte[] bytes;
            try {
                // Line breaks are allowed; anything else outside the alphabet is an error (the MIME decoder would skip it).
                bytes = Base64.getDecoder().decode(WHITESPACE.matcher(requiredText(a, "base64", field)).replaceAll(""));
            } catch (IllegalArgumentException e) {
                throw Refusal.badRequest(field + ".base64: not valid base64 (" + e.getMessage() + ")");
            }
            out.add(new Attachment(name, type.toLowerCase(Locale.ROOT), bytes));
        }
        return out;
    }

    private static String requiredText(JsonNode parent, String name, String field) throws Refusal {
        return optionalText(parent, name, field)
                .orElseThrow(() -> Refusal.badRequest(field + "." + name + ": required"));
    }

    private static Optional<String> optionalText(JsonNode parent, String name) throws Refusal {
        return optionalText(parent, name, null);
    }

    private static Optional<String> optionalText(JsonNode parent, String name, String field) throws Refusal {
        JsonNode node = parent.get(name);
        if (node == null || node.isNull()) return Optional.empty();
        if (!node.isTextual()) throw Refusal.badRequest((field == null ? "" : field + ".") + name + ": must be a string");
        return Optional.of(node.asText());
    }
}
