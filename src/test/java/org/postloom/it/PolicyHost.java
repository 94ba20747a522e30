package org.postloom.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.postloom.tls.KeyMaterial;

/**
 * HTTPS on port 443 of one loopback address (the JDK's HttpsServer): MTA-STS policies at
 * {@code /.well-known/mta-sts.txt} by Host header (RFC 8461 3.3), and a sink for TLS-RPT reports
 * POSTed to any other path (RFC 8460 5.4). It can be stopped and started again, to play a policy
 * host that is down.
 */
final class PolicyHost implements AutoCloseable {

    /** One POST received. */
    record Posted(String path, String contentType, byte[] body) {}

    private final InetSocketAddress address;
    private final SSLContext context;
    final Map<String, String> policies = new ConcurrentHashMap<>();
    final List<Posted> posted = new CopyOnWriteArrayList<>();
    final AtomicInteger fetches = new AtomicInteger();
    private HttpsServer server;

    PolicyHost(String host, KeyMaterial keys) throws GeneralSecurityException, IOException {
        this.address = new InetSocketAddress(host, 443);
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("policy", keys.privateKey(), new char[0], keys.chain().toArray(Certificate[]::new));
        KeyManagerFactory managers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        managers.init(store, new char[0]);
        context = SSLContext.getInstance("TLS");
        context.init(managers.getKeyManagers(), null, new SecureRandom());
    }

    synchronized void start() throws IOException {
        server = HttpsServer.create(address, 16);
        server.setHttpsConfigurator(new HttpsConfigurator(context));
        server.createContext("/", this::handle);
        server.start();
    }

    synchronized void stop() {
        if (server != null) server.stop(0);
        server = null;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (exchange.getRequestMethod().equals("POST")) {
                posted.add(new Posted(exchange.getRequestURI().getPath(),
                        exchange.getRequestHeaders().getFirst("Content-Type"), exchange.getRequestBody().readAllBytes()));
                exchange.sendResponseHeaders(201, -1);
                return;
            }
            String host = exchange.getRequestHeaders().getFirst("Host").replaceFirst(":\\d+$", "").toLowerCase(Locale.ROOT);
            String policy = exchange.getRequestURI().getPath().equals("/.well-known/mta-sts.txt") ? policies.get(host) : null;
            if (policy == null) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            fetches.incrementAndGet();
            byte[] body = policy.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
        }
    }

    @Override
    public void close() {
        stop();
    }
}
