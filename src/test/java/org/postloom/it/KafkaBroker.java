package org.postloom.it;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Uuid;

/**
 * A real Apache Kafka broker (the {@code kafka_2.13} artifact of the test classpath) in its own
 * JVM, in KRaft mode as broker and controller at once, on a loopback address: storage formatted
 * with {@code kafka.tools.StorageTool}, then {@code kafka.Kafka}. Its output goes to a file in
 * its directory; closing stops it (SIGTERM, then SIGKILL).
 */
final class KafkaBroker implements AutoCloseable {

    private final Process process;
    private final String bootstrap;
    private final Path log;

    private KafkaBroker(Process process, String bootstrap, Path log) {
        this.process = process;
        this.bootstrap = bootstrap;
        this.log = log;
    }

    static KafkaBroker start(String host, Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        int port = Ports.free(host);
        int controller = Ports.free(host);
        Path config = dir.resolve("server.properties");
        Files.writeString(config, String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@" + host + ":" + controller,
                "listeners=PLAINTEXT://" + host + ":" + port + ",CONTROLLER://" + host + ":" + controller,
                "advertised.listeners=PLAINTEXT://" + host + ":" + port,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "log.dirs=" + dir.resolve("data"),
                "num.partitions=3",
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "auto.create.topics.enable=true", ""));
        Path log = dir.resolve("broker.log");
        Process format = new ProcessBuilder(command("kafka.tools.StorageTool", "format", "-t", Uuid.randomUuid().toString(),
                "-c", config.toString())).redirectErrorStream(true).redirectOutput(dir.resolve("format.log").toFile()).start();
        if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
            format.destroyForcibly();
            fail("kafka storage format failed: " + Files.readString(dir.resolve("format.log")));
        }
        Process broker = new ProcessBuilder(command("kafka.Kafka", config.toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        var started = new KafkaBroker(broker, host + ":" + port, log);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!Files.readString(log).contains("Kafka Server started")) {
            if (!broker.isAlive() || System.nanoTime() > deadline) {
                started.close();
                fail("the Kafka broker did not start; its log:\n" + Files.readString(log));
            }
            Thread.sleep(100);
        }
        try (Socket probe = new Socket()) {
            probe.connect(new InetSocketAddress(host, port), 5000);
        }
        return started;
    }

    private static List<String> command(String main, String... args) {
        List<String> java = new ArrayList<>(JavaCommand.forMain(main, args));
        java.addAll(1, List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        return java;
    }

    String bootstrapServers() {
        return bootstrap;
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
