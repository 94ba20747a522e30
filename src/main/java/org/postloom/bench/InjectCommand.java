package org.postloom.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/postloom bench inject}: the HTTP load generator for {@code POST /messages}. One
 * virtual thread per concurrent request, the JDK's HttpClient (HTTP/1.1, kept-alive connections),
 * the builder form; with several recipients each has its own substitution. One JSON line with the
 * totals and the request latencies on stdout at the end, like {@code bench blast}.
 */
@Command(name = "inject", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"HTTP injection load generator: POST /messages from virtual threads with the JDK HttpClient.",
                "Latency is timed from sending a request to its 200 (every message durable)."})
public final class InjectCommand implements Callable<Integer> {

    @Option(names = "--url", description = "the endpoint (default ${DEFAULT-VALUE})", defaultValue = "http://127.0.0.1:8025/messages")
    String url;

    @Option(names = "--concurrency", description = "requests in flight at once (default ${DEFAULT-VALUE})", defaultValue = "50")
    int concurrency;

    @Option(names = "--requests", description = "requests in total (default ${DEFAULT-VALUE})", defaultValue = "2000")
    long requests;

    @Option(names = "--recipients", description = "recipients per request, each with its own {{first}} (default ${DEFAULT-VALUE})",
            defaultValue = "1")
    int recipients;

    @Option(names = "--size", description = "approximate size of each message made, in octets (default ${DEFAULT-VALUE})",
            defaultValue = "1024")
    int size;

    @Option(names = "--token", description = "bearer token, if the relay wants one")
    String token;

    @Option(names = "--timeout", description = "time for one request (default ${DEFAULT-VALUE})", defaultValue = "60s")
    String timeout;

    private final AtomicLong next = new AtomicLong();
    private final LongAdder messages = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final LongAdder ioErrors = new LongAdder();
    private final Histogram latency = new Histogram(3_600_000_000L, 3);
    private volatile String lastError = "";

    @Override
    public Integer call() throws Exception {
        if (concurrency < 1 || requests < 1 || recipients < 1) throw new IllegalArgumentException("counts must be positive");
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        Duration perRequest = BlastCommand.parseDuration(timeout);
        long startMillis = System.currentTimeMillis();
        long startNanos = System.nanoTime();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < concurrency; i++) threads.add(Thread.ofVirtual().name("inject-" + i).start(() -> work(http, perRequest)));
        for (Thread t : threads) t.join();
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        long ok = messages.sum();
        System.err.printf(Locale.ROOT, "inject: done in %.2fs: messages=%d (%.0f/s) refused=%d io-errors=%d%n",
                seconds, ok, ok / seconds, refused.sum(), ioErrors.sum());
        if (!lastError.isEmpty()) System.err.println("inject: last error: " + lastError);
        System.out.println(new Json().put("mode", "inject").put("url", url).put("concurrency", concurrency)
                .put("recipients", recipients).put("size", size).put("requests", requests)
                .put("attempted", requests * recipients).put("accepted", ok).put("tempfail", refused.sum())
                .put("permfail", 0L).put("io_errors", ioErrors.sum())
                .put("elapsed_s", seconds).put("accepted_per_s", ok / seconds)
                .put("start_epoch_ms", startMillis).put("end_epoch_ms", startMillis + Math.round(seconds * 1000))
                .put("latency_ms", new Json().put("count", latency.getTotalCount())
                        .put("p50", latency.getValueAtPercentile(50) / 1000.0)
                        .put("p99", latency.getValueAtPercentile(99) / 1000.0)
                        .put("p999", latency.getValueAtPercentile(99.9) / 1000.0)
                        .put("max", latency.getMaxValue() / 1000.0))
                .put("last_error", lastError));
        return 0;
    }

    private void work(HttpClient http, Duration perRequest) {
        Histogram mine = new Histogram(3_600_000_000L, 3);
        for (long n; (n = next.getAndIncrement()) < requests; ) {
            var request = HttpRequest.newBuilder(URI.create(url)).timeout(perRequest)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body(n)));
            if (token != null) request.header("Authorization", "Bearer " + token);
            long started = System.nanoTime();
            try {
                HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    messages.add(recipients);
                    mine.recordValue((System.nanoTime() - started) / 1000);
                } else {
                    refused.increment();
                    lastError = response.statusCode() + " " + response.body();
                }
            } catch (Exception e) {
                ioErrors.increment();
                lastError = e.toString();
            }
        }
        synchronized (latency) {
            latency.add(mine);
        }
    }

    /** The builder form: a text body padded so that each message made is about {@code size} octets. */
    String body(long n) {
        var json = new StringBuilder(size + 64 * recipients).append("{\"envelope_sender\": \"bench@src.bench.test\", \"recipients\": [");
        for (int r = 0; r < recipients; r++) {
            if (r > 0) json.append(", ");
            json.append("{\"email\": \"user").append(n).append('.').append(r).append("@d1.bench.test\"");
            if (recipients > 1) json.append(", \"substitutions\": {\"first\": \"User ").append(r).append("\"}");
            json.append('}');
        }
        String greeting = recipients > 1 ? "Hello {{first}}," : "Hello,";
        json.append("], \"content\": {\"from\": \"bench@src.bench.test\", \"subject\": \"bench ").append(n)
                .append("\", \"text_body\": \"").append(greeting).append("\\n");
        int padding = Math.max(0, size - 450); // what Jakarta Mail's header fields and our trace header take
        for (int i = 0; i < padding; i += 72) json.append("x".repeat(Math.min(70, padding - i))).append("\\n");
        return json.append("\"}}").toString();
    }
}
