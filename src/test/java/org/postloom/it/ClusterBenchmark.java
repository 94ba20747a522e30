package org.postloom.it;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * {@code bench/cluster/run}: three relays on 127.0.7.2-4 sharing one redis-server deliver to one
 * site (a sink on 127.0.7.10) with a rate cap, then without. The site is suspended on one node
 * (the hold reaches the others through Redis) while the backlog is queued, and resumed on one
 * node, so what is timed is delivery alone. Prints a Markdown table. All on one loopback machine:
 * the uncapped rate is CPU-bound, the three relays, Redis and the sink sharing its cores.
 */
public final class ClusterBenchmark {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private ClusterBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : "target/bench-cluster");
        int capped = args.length > 1 ? Integer.parseInt(args[1]) : 600;
        int uncapped = args.length > 2 ? Integer.parseInt(args[2]) : 3000;
        String cap = args.length > 3 ? args[3] : "100/s";
        Files.createDirectories(dir);
        List<String> rows = new ArrayList<>();
        try (RedisServer redis = RedisServer.start("127.0.7.1", dir)) {
            rows.add(scenario(dir.resolve("capped"), redis, capped, cap));
            rows.add(scenario(dir.resolve("uncapped"), redis, uncapped, null));
        }
        System.out.println("| scenario | nodes | messages | seconds | delivered/s | busiest second | peak connections |");
        System.out.println("| --- | --- | --- | --- | --- | --- | --- |");
        rows.forEach(System.out::println);
        System.out.println("\n" + Runtime.getRuntime().availableProcessors() + " cpus, load average "
                + Files.readString(Path.of("/proc/loadavg")).strip());
        System.exit(0);
    }

    private static String scenario(Path dir, RedisServer redis, int messages, String cap) throws Exception {
        Files.createDirectories(dir);
        var relays = new ArrayList<RelayProcess>();
        try (CapturingSink sink = CapturingSink.start("127.0.7.10", CapturingSink.ACCEPT_ALL)) {
            String site = "127.0.7.10:" + sink.port();
            for (int i = 1; i <= 3; i++) {
                Path work = dir.resolve("node" + i);
                Files.createDirectories(work);
                List<String> lines = new ArrayList<>(List.of("postloom.routes.\"cap.test\"=" + site,
                        "postloom.cluster.redis=" + redis.uri(), "postloom.cluster.node=node" + i,
                        "postloom.cluster.size=3", "postloom.cluster.lease-ttl=PT10S"));
                if (cap != null) lines.add("postloom.shaping.default.max-message-rate=" + cap);
                Path config = work.resolve("postloom.properties");
                Files.write(config, lines);
                relays.add(RelayProcess.start(RelayProcess.Settings.in(work).host("127.0.7." + (i + 1))
                        .set("POSTLOOM_CONFIG", config.toString())));
            }
            post(relays.getFirst(), "/sites/" + site + "/suspend?for=PT10M");
            queue(relays, messages);
            sink.resetPeak();
            long start = System.nanoTime();
            post(relays.getLast(), "/sites/" + site + "/resume");
            while (sink.accepted.size() < messages) {
                if (System.nanoTime() - start > TimeUnit.MINUTES.toNanos(10)) throw new IllegalStateException("not delivered in 10 min");
                Thread.sleep(20);
            }
            List<Long> at = sink.acceptedAt.stream().sorted().toList();
            double seconds = (at.getLast() - start) / 1e9;
            return String.format(Locale.ROOT, "| %s | 3 | %d | %.1f | %.0f | %d | %d |",
                    cap == null ? "no cap" : "cap " + cap, messages, seconds, messages / seconds, busiestSecond(at),
                    sink.peakOpen.get());
        } finally {
            for (RelayProcess relay : relays) relay.close();
        }
    }

    /** Queues {@code messages} spread over the nodes, 16 clients at once. */
    private static void queue(List<RelayProcess> relays, int messages) throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(16);
        var sent = new ArrayList<CompletableFuture<Void>>();
        for (int i = 0; i < messages; i++) {
            RelayProcess node = relays.get(i % relays.size());
            String local = "r" + i;
            sent.add(CompletableFuture.runAsync(() -> {
                try {
                    MessageSender.send(node.host(), node.smtpPort(), "app@sender.test", List.of(local + "@cap.test"),
                            "Subject: bench\r\nMessage-ID: <" + local + "@sender.test>\r\n\r\nhello\r\n");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, clients));
        }
        CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();
        clients.shutdown();
    }

    private static void post(RelayProcess node, String path) throws Exception {
        var request = HttpRequest.newBuilder(URI.create("http://" + node.host() + ":" + node.adminPort() + path))
                .POST(HttpRequest.BodyPublishers.noBody()).build();
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) throw new IllegalStateException(path + ": " + response.statusCode() + " " + response.body());
    }

    private static int busiestSecond(List<Long> sorted) {
        int most = 0;
        for (int i = 0, j = 0; i < sorted.size(); i++) {
            while (j < sorted.size() && sorted.get(j) - sorted.get(i) < 1_000_000_000L) j++;
            most = Math.max(most, j - i);
        }
        return most;
    }
}
