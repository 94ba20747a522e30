package org.postloom.inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;
import org.postloom.inject.IdempotencyStore.Answer;
import org.postloom.inject.IdempotencyStore.Response;

/**
 * {@code POST /messages} apart from HTTP itself (CONTRACT.md 4): the token names the tenant, a
 * kept answer is given again for a repeated {@code Idempotency-Key}, and otherwise the body is
 * read (refused once it streams past the size limit), checked and injected. The web layer only
 * passes the request in and writes the {@link Answer} or {@link Refusal} out.
 */
public final class Injection {

    /** RFC 9110 token characters would do; printable ASCII, as the IETF draft on the header asks. */
    private static final Pattern KEY = Pattern.compile("[\\x21-\\x7e]{1,255}");

    private final ObjectMapper json;
    private final Tenants tenants;
    private final Injector injector;
    private final IdempotencyStore idempotency;
    private final RequestParser parser;
    private final long maxBody;

    /** @param maxBody {@code postloom.limits.message-size}: the largest request body read */
    public Injection(ObjectMapper json, Tenants tenants, Injector injector, IdempotencyStore idempotency,
                     long maxBody, int maxRecipients) {
        this.json = json;
        this.tenants = tenants;
        this.injector = injector;
        this.idempotency = idempotency;
        this.parser = new RequestParser(json, maxRecipients);
        this.maxBody = maxBody;
    }

    /** One request as the web layer sees it; the body is opened only when it is needed. */
    public interface Request {
        Optional<String> header(String name);

        OptionalLong contentLength();

        InputStream body();

        InetAddress client();
    }

    /** Answers the request (a repeat of a kept one, or a new one), or refuses it with nothing queued. */
    public Answer handle(Request request) throws Refusal, IOException {
        Tenant tenant = tenants.authenticate(request.header("Authorization"), request.client());
        Optional<String> key = request.header("Idempotency-Key");
        if (key.isEmpty()) return new Answer(inject(request, tenant), false);
        if (!KEY.matcher(key.get()).matches()) {
            throw Refusal.badRequest("Idempotency-Key: 1 to 255 printable ASCII characters");
        }
        // Scoped by tenant: one tenant's key never answers another's request.
        return idempotency.once(tenant.name() + '\0' + key.get(), () -> inject(request, tenant));
    }

    /** The JSON body of an error. */
    public byte[] errorBody(String message) {
        try {
            return json.writeValueAsBytes(json.createObjectNode().put("error", message));
        } catch (IOException e) {
            throw new IllegalStateException(e); // a tree of one string always serialises
        }
    }

    private Response inject(Request request, Tenant tenant) throws Refusal {
        InjectionRequest parsed = parser.parse(read(request));
        List<Injector.Queued> queued = injector.inject(parsed, tenant, request.client());
        ObjectNode body = json.createObjectNode();
        ArrayNode messages = body.putArray("messages");
        queued.forEach(q -> messages.addObject().put("recipient", q.recipient()).put("queue_id", q.queueId()));
        try {
            return new Response(200, json.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The body as JSON; 413 as soon as it is known to be too large, before the rest is read. */
    private JsonNode read(Request request) throws Refusal {
        OptionalLong declared = request.contentLength();
        if (declared.isPresent() && declared.getAsLong() > maxBody) throw tooLarge();
        try (InputStream in = new LimitedInputStream(request.body(), maxBody)) {
            return json.readTree(in);
        } catch (LimitedInputStream.Exceeded e) {
            throw tooLarge();
        } catch (IOException e) {
            throw Refusal.badRequest("body: not valid JSON (" + firstLine(e.getMessage()) + ")");
        }
    }

    private Refusal tooLarge() {
        return Refusal.tooLarge("body: over postloom.limits.message-size (" + maxBody + " bytes)");
    }

    private static String firstLine(String s) {
        if (s == null) return "unreadable";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
