package org.postloom.admin;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The operator's status page at {@code /}: a static HTML page, its script and its style sheet,
 * served without the token because they hold no data. The script reads everything it shows from
 * the admin plane's own endpoints with the token the operator types in (kept in the tab's
 * sessionStorage), and writes every value through {@code textContent}; the Content-Security-Policy
 * forbids inline script and any other origin, so even a missed escape could not run.
 */
final class StatusPage {

    private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self';"
            + " img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private record Asset(String type, byte[] body) {}

    private static final Asset HTML = asset("index.html", "text/html; charset=utf-8");
    private static final Asset SCRIPT = asset("status.js", "text/javascript; charset=utf-8");
    private static final Asset STYLE = asset("status.css", "text/css; charset=utf-8");

    private StatusPage() {}

    /** The page's routes; they go before the token filter. {@code tokenRequired} is said to the script. */
    static void routes(HttpRouting.Builder r, boolean tokenRequired) {
        r.get("/", (req, res) -> send(res, HTML));
        r.get("/status.js", (req, res) -> send(res, SCRIPT));
        r.get("/status.css", (req, res) -> send(res, STYLE));
        byte[] auth = ("{\"token_required\":" + tokenRequired + "}").getBytes(StandardCharsets.UTF_8);
        r.get("/status/auth", (req, res) -> send(res, new Asset("application/json", auth)));
    }

    private static void send(io.helidon.webserver.http.ServerResponse res, Asset asset) {
        res.status(Status.OK_200)
                .header(HeaderNames.CONTENT_TYPE, asset.type())
                .header(HeaderNames.CACHE_CONTROL, "no-store")
                .header("Content-Security-Policy", CSP)
                .header("X-Content-Type-Options", "nosniff")
                .header("Referrer-Policy", "no-referrer")
                .send(asset.body());
    }

    private static Asset asset(String name, String type) {
        try (InputStream in = StatusPage.class.getResourceAsStream("status/" + name)) {
            if (in == null) throw new IllegalStateException("status page resource missing: " + name);
            return new Asset(type, in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
