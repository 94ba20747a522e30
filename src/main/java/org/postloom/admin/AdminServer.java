package org.postloom.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.OptionalInt;
import org.postloom.delivery.QueueControl;
import org.postloom.events.BounceClass;
import org.postloom.events.EventType;
import org.postloom.events.RecentEvents;
import org.postloom.events.Suppressions;
import org.postloom.inject.Injection;
import org.postloom.mail.QueueId;

/**
 * The admin plane: health, Prometheus metrics and the queue API, on Helidon SE's virtual-thread
 * web server, on its own port beside the SMTP listeners. On loopback it is open; anywhere else it
 * refuses to start without a bearer token, and then requires that token on every request.
 */
public final class AdminServer implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("org.postloom.admin");
    /** Messages listed per {@code GET /queue/{destination}} unless {@code limit} says otherwise. */
    private static final int QUEUE_PAGE = 1000;
    private static final int MAX_QUEUE_PAGE = 10_000;

    private final ObjectMapper json = json();
    private final Optional<byte[]> token;
    private final Health health;
    private final PrometheusMeterRegistry metrics;
    private final QueueControl queue;
    private final InjectRoute inject;
    private final Suppressions suppressions;
    private final RecentEvents recent;
    private final WebServer server;

    public AdminServer(InetSocketAddress address, Optional<String> token, Health health,
                       PrometheusMeterRegistry metrics, QueueControl queue, Injection injection, Suppressions suppressions,
                       RecentEvents recent) {
        if (token.isEmpty() && !address.getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException("the admin plane listens on " + address
                    + ", beyond loopback: set postloom.admin.token");
        }
        this.token = token.filter(t -> !t.isBlank()).map(t -> t.getBytes(StandardCharsets.UTF_8));
        this.health = health;
        this.metrics = metrics;
        this.queue = queue;
        this.inject = new InjectRoute(injection);
        this.suppressions = suppressions;
        this.recent = recent;
        this.server = WebServer.builder()
                .host(address.getHostString())
                .port(address.getPort())
                .routing(this::routes)
                .build();
    }

    /** The JSON of the admin plane: instants as RFC 3339 strings. */
    public static ObjectMapper json() {
        return new ObjectMapper().registerModule(new JavaTimeModule()).disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    }

    /** Starts listening; Helidon does not throw when the port is taken, so that is checked here. */
    public void start() {
        server.start();
        if (!server.isRunning()) throw new IllegalStateException("admin plane could not start (is its port taken?)");
        LOG.log(System.Logger.Level.INFO, "admin listening port=" + server.port());
    }

    public int port() {
        return server.port();
    }

    private void routes(HttpRouting.Builder r) {
        r.post("/messages", inject); // first: it takes tenants' tokens as well as the admin's
        StatusPage.routes(r, token.isPresent()); // the page holds no data: its script asks with the token
        r.any((req, res) -> {
            if (authorized(req)) {
                res.next();
            } else {
                res.status(Status.UNAUTHORIZED_401).header(HeaderNames.WWW_AUTHENTICATE, "Bearer").send();
            }
        });
        r.get("/health/live", (req, res) -> send(res, Status.OK_200, new Views.Status("UP")));
        r.get("/health/ready", (req, res) -> {
            boolean ready = health.isReady();
            send(res, ready ? Status.OK_200 : Status.SERVICE_UNAVAILABLE_503, new Views.Status(ready ? "UP" : "DOWN"));
        });
        r.get("/metrics", (req, res) -> res.header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
                .send(metrics.scrape().getBytes(StandardCharsets.UTF_8)));
        r.get("/queue", (req, res) -> send(res, Status.OK_200, queue.summary()));
        r.post("/queue/retry", (req, res) -> send(res, Status.OK_200, new Views.Count(queue.retryAll())));
        r.get("/queue/{destination}", this::queuedMessages);
        r.post("/queue/{destination}/retry", (req, res) ->
                send(res, Status.OK_200, new Views.Count(queue.retryDestination(param(req, "destination")))));
        r.post("/queue/{destination}/suspend", (req, res) -> {
            queue.suspend(param(req, "destination"));
            send(res, Status.OK_200, new Views.Status("suspended"));
        });
        r.post("/queue/{destination}/resume", (req, res) -> {
            queue.resume(param(req, "destination"));
            send(res, Status.OK_200, new Views.Status("resumed"));
        });
        r.get("/sites", (req, res) -> send(res, Status.OK_200, Views.sites(queue.sites())));
        r.post("/sites/{site}/suspend", this::suspendSite);
        r.post("/sites/{site}/resume", (req, res) -> {
            String site = param(req, "site");
            if (queue.resumeSite(site)) send(res, Status.OK_200, new Views.Status("resumed"));
            else send(res, Status.NOT_FOUND_404, new Views.Error("no such site or domain: " + site));
        });
        r.get("/messages/{id}", (req, res) -> {
            if (recovering(res)) return;
            var found = queueId(req).flatMap(queue::message);
            if (found.isPresent()) send(res, Status.OK_200, Views.of(found.get()));
            else send(res, Status.NOT_FOUND_404, new Views.Error("no such message"));
        });
        r.post("/messages/{id}/retry", (req, res) -> {
            if (recovering(res)) return;
            var id = queueId(req);
            send(res, Status.OK_200, new Views.Count(id.map(queue::retryMessage).orElse(0)));
        });
        r.delete("/messages/{id}", (req, res) -> {
            if (recovering(res)) return;
            boolean bounce = req.query().first("bounce").map(Boolean::parseBoolean).orElse(false);
            var id = queueId(req);
            boolean deleted = id.isPresent() && queue.delete(id.get(), bounce);
            if (deleted) send(res, Status.OK_200, new Views.Status("deleted"));
            else send(res, Status.NOT_FOUND_404, new Views.Error("no such message"));
        });
        suppressionRoutes(r);
        r.get("/events/recent", this::recentEvents);
    }

    /** The suppression list (CONTRACT.md section 3): list, add or replace, remove. */
    private void suppressionRoutes(HttpRouting.Builder r) {
        r.get("/suppressions", (req, res) -> send(res, Status.OK_200, suppressions.all()));
        r.put("/suppressions/{address}", (req, res) -> {
            String address = param(req, "address");
            if (!Views.isAddress(address)) {
                send(res, Status.BAD_REQUEST_400, new Views.Error("address: not an email address: " + address));
                return;
            }
            var body = req.content().hasEntity() ? json.readTree(req.content().inputStream()) : json.createObjectNode();
            if (body == null || !body.isObject()) {
                send(res, Status.BAD_REQUEST_400, new Views.Error("body: expected a JSON object"));
                return;
            }
            String name = body.path("bounce_class").asText("other");
            var bounceClass = BounceClass.ofWireName(name);
            if (bounceClass.isEmpty()) {
                send(res, Status.BAD_REQUEST_400, new Views.Error("bounce_class: unknown class " + name));
                return;
            }
            var entry = new Suppressions.Entry(address, java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS).toString(),
                    bounceClass.get(), body.hasNonNull("reply") ? body.get("reply").asText() : null);
            suppressions.put(entry);
            send(res, Status.OK_200, entry);
        });
        r.delete("/suppressions/{address}", (req, res) -> {
            if (suppressions.delete(param(req, "address"))) send(res, Status.OK_200, new Views.Status("deleted"));
            else send(res, Status.NOT_FOUND_404, new Views.Error("address: not suppressed: " + param(req, "address")));
        });
    }

    /** {@code POST /sites/{site-or-domain}/suspend?for=PT10M}: holds every egress path of the site. */
    private void suspendSite(ServerRequest req, ServerResponse res) throws IOException {
        String site = param(req, "site");
        Optional<String> text = req.query().first("for").asOptional();
        if (text.isEmpty()) {
            send(res, Status.BAD_REQUEST_400, new Views.Error("for: required, an ISO-8601 duration such as PT10M"));
            return;
        }
        Duration duration;
        try {
            duration = Duration.parse(text.get());
        } catch (DateTimeParseException e) {
            duration = Duration.ZERO;
        }
        if (duration.isNegative() || duration.isZero()) {
            send(res, Status.BAD_REQUEST_400, new Views.Error("for: '" + text.get() + "' is not a positive ISO-8601 duration"));
            return;
        }
        var hold = queue.suspendSite(site, duration);
        send(res, Status.OK_200, new Views.Suspended("suspended", hold.site(), hold.until()));
    }

    /** {@code GET /events/recent?type=bounce&limit=20}: the newest events of a type, in memory (not a sink). */
    private void recentEvents(ServerRequest req, ServerResponse res) throws IOException {
        String name = req.query().first("type").orElse("bounce");
        var type = java.util.Arrays.stream(EventType.values()).filter(t -> t.wireName().equals(name)).findFirst();
        if (type.isEmpty()) {
            send(res, Status.BAD_REQUEST_400, new Views.Error("type: unknown event type " + name));
            return;
        }
        OptionalInt limit = limit(req, res, 20, recent.capacity());
        if (limit.isPresent()) send(res, Status.OK_200, recent.recent(type.get(), limit.getAsInt()));
    }

    /**
     * {@code GET /queue/{destination}?limit=1000}: the oldest queued messages of a destination. The
     * envelopes are read from disk, so a backlog of millions is listed a page at a time.
     */
    private void queuedMessages(ServerRequest req, ServerResponse res) throws IOException {
        OptionalInt limit = limit(req, res, QUEUE_PAGE, MAX_QUEUE_PAGE);
        if (limit.isPresent()) {
            send(res, Status.OK_200, Views.of(queue.messages(param(req, "destination"), limit.getAsInt())));
        }
    }

    /**
     * While the spool is still read after a restart, a message's states may be half known (a later
     * segment may say a recipient was delivered): one message is neither shown nor changed until
     * then, and the client hears 503 with Retry-After.
     */
    private boolean recovering(ServerResponse res) throws IOException {
        if (!queue.recovering()) return false;
        res.header(HeaderNames.RETRY_AFTER, "5");
        send(res, Status.SERVICE_UNAVAILABLE_503,
                new Views.Error("queue: still being recovered after a restart; try again in a few seconds"));
        return true;
    }

    /** The {@code limit} query parameter, or a 400 naming it (then empty). */
    private OptionalInt limit(ServerRequest req, ServerResponse res, int byDefault, int max) throws IOException {
        String text = req.query().first("limit").orElse(Integer.toString(byDefault));
        int limit;
        try {
            limit = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            limit = 0;
        }
        if (limit < 1 || limit > max) {
            send(res, Status.BAD_REQUEST_400, new Views.Error("limit: '" + text + "' is not a number from 1 to " + max));
            return OptionalInt.empty();
        }
        return OptionalInt.of(limit);
    }

    /** Bearer token, compared in constant time so its bytes cannot be guessed one by one. */
    private boolean authorized(ServerRequest req) {
        if (token.isEmpty()) return true;
        String header = req.headers().first(HeaderNames.AUTHORIZATION).orElse("");
        if (!header.startsWith("Bearer ")) return false;
        return MessageDigest.isEqual(token.get(), header.substring(7).getBytes(StandardCharsets.UTF_8));
    }

    private static String param(ServerRequest req, String name) {
        return req.path().pathParameters().get(name);
    }

    private static Optional<QueueId> queueId(ServerRequest req) {
        try {
            return Optional.of(new QueueId(param(req, "id")));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private void send(ServerResponse res, Status status, Object body) throws IOException {
        res.status(status).header(HeaderNames.CONTENT_TYPE, "application/json").send(json.writeValueAsBytes(body));
    }

    @Override
    public void close() {
        server.stop();
    }
}
