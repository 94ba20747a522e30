package org.postloom.admin;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.OptionalLong;
import org.postloom.inject.IdempotencyStore.Answer;
import org.postloom.inject.Injection;
import org.postloom.inject.Refusal;

/**
 * {@code POST /messages} on Helidon: the request handed to {@link Injection}, its answer or
 * refusal written back as JSON. It checks its own tokens (a tenant's or the admin's), so the
 * admin plane's filter lets it through.
 */
final class InjectRoute implements Handler {

    private static final System.Logger LOG = System.getLogger("org.postloom.admin");
    private static final HeaderName IDEMPOTENT_REPLAYED = HeaderNames.create("Idempotent-Replayed");

    private final Injection injection;

    InjectRoute(Injection injection) {
        this.injection = injection;
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        try {
            Answer answer = injection.handle(request(req));
            if (answer.repeated()) res.header(IDEMPOTENT_REPLAYED, "true");
            send(res, answer.response().status(), answer.response().body());
        } catch (Refusal r) {
            if (r.status() == 401) res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer");
            if (r.retryAfterSeconds() > 0) res.header(HeaderNames.RETRY_AFTER, Long.toString(r.retryAfterSeconds()));
            if (r.status() == 413) res.header(HeaderNames.CONNECTION, "close"); // the rest of the body is not read
            send(res, r.status(), injection.errorBody(r.getMessage()));
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "POST /messages failed", e);
            send(res, 500, injection.errorBody("internal error: " + e.getMessage() + "; nothing was queued"));
        }
    }

    private static Injection.Request request(ServerRequest req) {
        return new Injection.Request() {
            @Override
            public Optional<String> header(String name) {
                return req.headers().first(HeaderNames.create(name));
            }

            @Override
            public OptionalLong contentLength() {
                return req.headers().contentLength();
            }

            @Override
            public InputStream body() {
                return req.content().inputStream();
            }

            @Override
            public InetAddress client() {
                return ((InetSocketAddress) req.remotePeer().address()).getAddress();
            }
        };
    }

    private static void send(ServerResponse res, int status, byte[] body) {
        res.status(Status.create(status)).header(HeaderNames.CONTENT_TYPE, "application/json").send(body);
    }
}
