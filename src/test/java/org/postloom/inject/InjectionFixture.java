package org.postloom.inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.postloom.intake.Intake;
import org.postloom.mail.QueueId;
import org.postloom.spool.Spool;
import org.postloom.spool.SpoolOptions;

/**
 * The injection path without HTTP: a real spool in a directory, the intake, the injector and
 * the idempotency store, with requests made in memory.
 */
final class InjectionFixture implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();
    static final InetAddress CLIENT = address("127.0.6.1");

    final Spool spool;
    final IdempotencyStore idempotency;
    final Injection injection;
    final List<QueueId> withdrawn = new ArrayList<>();

    InjectionFixture(Path dir, List<Tenant> tenants, Optional<String> adminToken, long messageSize) throws IOException {
        spool = Spool.open(dir, SpoolOptions.defaults().withMinFreeSpace(0), m -> { });
        idempotency = IdempotencyStore.open(dir.resolve("idempotency.log"), Duration.ofHours(24), Clock.systemUTC());
        var injector = new Injector(Intake.unsigned(spool), "relay.test", messageSize, Clock.systemUTC(), withdrawn::add);
        injection = new Injection(JSON, new Tenants(tenants, adminToken), injector, idempotency, messageSize, 1000);
    }

    InjectionFixture(Path dir) throws IOException {
        this(dir, List.of(), Optional.empty(), 1 << 20);
    }

    /** A request with these headers (name, value, ...) and this JSON body. */
    static Injection.Request request(String body, String... headers) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        Map<String, String> map = new java.util.HashMap<>();
        for (int i = 0; i < headers.length; i += 2) map.put(headers[i].toLowerCase(), headers[i + 1]);
        return new Injection.Request() {
            @Override
            public Optional<String> header(String name) {
                return Optional.ofNullable(map.get(name.toLowerCase()));
            }

            @Override
            public OptionalLong contentLength() {
                return OptionalLong.of(bytes.length);
            }

            @Override
            public InputStream body() {
                return new ByteArrayInputStream(bytes);
            }

            @Override
            public InetAddress client() {
                return CLIENT;
            }
        };
    }

    /** The 200 body as JSON. */
    JsonNode inject(String body, String... headers) throws Exception {
        var answer = injection.handle(request(body, headers));
        return JSON.readTree(answer.response().body());
    }

    /** The stored content of a queued message (trace header and all). */
    String content(String queueId) throws IOException {
        try (InputStream in = spool.openBody(new QueueId(queueId))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    int queued() {
        return spool.messages().size();
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        idempotency.close();
        spool.close();
    }
}
