package org.postloom.cluster;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One Lettuce connection to Redis (thread-safe, pipelined, asynchronous) and one for pub/sub.
 * Every call returns at once and reports to {@link RedisHealth}; a call made while Redis is away
 * fails at once instead of waiting in a queue, and one that takes longer than the timeout fails
 * then. Lettuce reconnects by itself once connected; the first connection is retried here.
 */
final class RedisLink implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("org.postloom.cluster");
    private static final Duration RETRY_CONNECT = Duration.ofSeconds(1);

    private final RedisURI uri;
    private final ClientResources resources;
    private final RedisClient client;
    private final RedisHealth health;
    private final ScheduledExecutorService executor;
    private volatile StatefulRedisConnection<String, String> connection;
    private volatile StatefulRedisPubSubConnection<String, String> pubsub;
    private volatile boolean closed;
    /** Each script's SHA-1, computed once. */
    private final Map<String, String> digests = new ConcurrentHashMap<>();

    RedisLink(RedisURI uri, Duration timeout, RedisHealth health, ScheduledExecutorService executor) {
        this.uri = uri;
        this.health = health;
        this.executor = executor;
        // Few threads (the machine's cores serve the relay) and a steady reconnect, not 30 s back-off.
        this.resources = ClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(1)
                .reconnectDelay(Delay.constant(RETRY_CONNECT)).build();
        this.client = RedisClient.create(resources, uri);
        client.setOptions(ClientOptions.builder()
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder().connectTimeout(timeout).build())
                .timeoutOptions(TimeoutOptions.enabled(timeout))
                .build());
    }

    /** Connects in the background; until then every call fails at once (and limits are local). */
    void connect(String channel, Consumer<String> messages) {
        connectUntilUp(() -> client.connectAsync(StringCodec.UTF8, uri), c -> {
            connection = c;
            subscribe(channel, messages);
        });
    }

    private void subscribe(String channel, Consumer<String> messages) {
        connectUntilUp(() -> client.connectPubSubAsync(StringCodec.UTF8, uri), c -> {
            c.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String from, String message) {
                    if (from.equals(channel)) messages.accept(message);
                }
            });
            c.async().subscribe(channel);
            pubsub = c;
        });
    }

    private <C> void connectUntilUp(Supplier<CompletionStage<C>> attempt, Consumer<C> connected) {
        if (closed) return;
        attempt.get().whenComplete((c, error) -> {
            if (error == null) {
                connected.accept(c);
                health.succeeded();
            } else if (!closed) {
                health.failed(error);
                executor.schedule(() -> connectUntilUp(attempt, connected), RETRY_CONNECT.toMillis(), TimeUnit.MILLISECONDS);
            }
        });
    }

    /**
     * Runs a script on one key; the answer (or the failure) comes later, on a Redis thread. It is
     * sent by its SHA-1 (EVALSHA: 40 bytes instead of the script, on every rate slot and lease);
     * Redis answers NOSCRIPT when its script cache lacks it (a restarted or flushed Redis), and
     * then the script itself goes once (EVAL), which caches it again.
     */
    <T> CompletionStage<T> eval(String script, ScriptOutputType type, String key, String... args) {
        StatefulRedisConnection<String, String> c = connection;
        if (c == null) return notConnected();
        String[] keys = {key};
        String sha = digests.computeIfAbsent(script, c.async()::digest);
        CompletionStage<T> call = c.async().<T>evalsha(sha, type, keys, args)
                .exceptionallyCompose(e -> unwrap(e) instanceof RedisNoScriptException
                        ? c.async().<T>eval(script, type, keys, args)
                        : CompletableFuture.failedStage(unwrap(e)));
        return watched(call);
    }

    private static Throwable unwrap(Throwable e) {
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    CompletionStage<Long> remove(String key, String member) {
        StatefulRedisConnection<String, String> c = connection;
        if (c == null) return notConnected();
        return watched(c.async().zrem(key, member));
    }

    CompletionStage<String> ping() {
        StatefulRedisConnection<String, String> c = connection;
        if (c == null) return notConnected();
        return watched(c.async().ping());
    }

    CompletionStage<Long> publish(String channel, String message) {
        StatefulRedisConnection<String, String> c = connection;
        if (c == null) return notConnected();
        return watched(c.async().publish(channel, message));
    }

    private <T> CompletionStage<T> watched(CompletionStage<T> call) {
        return call.whenComplete((value, error) -> {
            if (error == null) {
                health.succeeded();
            } else if (error instanceof RedisCommandExecutionException refused) {
                // Redis answered, with an error (a script's, say): a fault to fix, not Redis away.
                health.succeeded();
                LOG.log(System.Logger.Level.WARNING, "cluster redis refused a command: " + refused.getMessage());
            } else {
                health.failed(error);
            }
        });
    }

    /** Before the first connection: the attempts report to {@link RedisHealth}, which starts as down. */
    private <T> CompletionStage<T> notConnected() {
        return CompletableFuture.failedFuture(new IllegalStateException("not connected to " + uri.getHost() + ":" + uri.getPort()));
    }

    @Override
    public void close() {
        closed = true;
        if (pubsub != null) pubsub.closeAsync();
        if (connection != null) connection.closeAsync();
        client.shutdownAsync(0, 1, TimeUnit.SECONDS);
        resources.shutdown(0, 1, TimeUnit.SECONDS);
    }
}
