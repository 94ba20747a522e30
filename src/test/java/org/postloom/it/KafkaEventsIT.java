package org.postloom.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.dns.DnsmasqServer;

/**
 * The Kafka sink against a real broker (KRaft, started once for the class) read by a real
 * consumer: the 250 / 451-then-250 / 550 5.1.1 load gives one terminal event per recipient,
 * every record keyed by its queue id; and a broker that is not there at the relay's start only
 * delays the events (one warning), it does not stop the relay.
 */
class KafkaEventsIT {

    private static final String HOST = "127.0.3.10";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The consumer prints its whole configuration at INFO; held so the level sticks. */
    private static final java.util.logging.Logger KAFKA_LOG = java.util.logging.Logger.getLogger("org.apache.kafka");

    @TempDir
    static Path brokerDir;
    static KafkaBroker broker;

    @RegisterExtension
    final Relays relays = new Relays();

    @TempDir
    Path work;

    @BeforeAll
    static void startBroker() throws Exception {
        KAFKA_LOG.setLevel(java.util.logging.Level.WARNING);
        broker = KafkaBroker.start(HOST, brokerDir);
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) broker.close();
    }

    @Test
    void aConsumerReadsOneTerminalEventPerRecipientKeyedByQueueId() throws Exception {
        try (CapturingSink mx = CapturingSink.start(EventLoad.MX_ADDRESS, EventLoad.policy());
             DnsmasqServer dns = DnsmasqServer.start(60, "--mx-host=dest.test,mx.dest.test,10",
                     "--host-record=mx.dest.test," + EventLoad.MX_ADDRESS);
             KafkaConsumer<String, byte[]> consumer = consumer("load")) {
            RelayProcess relay = relays.start(FaultSettings.relayTo(work, dns, mx.port())
                    .set("POSTLOOM_EVENTS_KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers())
                    .set("POSTLOOM_EVENTS_KAFKA_TOPIC", "events-load")
                    .set("POSTLOOM_EVENTS_HEADERS", "X-Campaign")
                    .set("POSTLOOM_DELIVERY_BOUNCE_MESSAGES", "false"));
            List<String> ids = EventLoad.send(relay.smtpPort());
            consumer.subscribe(List.of("events-load"));
            Map<String, JsonNode> byId = new ConcurrentHashMap<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (!EventLoad.complete(byId) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    JsonNode event = JSON.readTree(record.value());
                    assertThat(record.key()).as("record key").isEqualTo(event.get("queue_id").asText());
                    byId.putIfAbsent(event.get("id").asText(), event);
                }
            }
            EventLoad.check(byId, ids);
        }
    }

    @Test
    void aBrokerDownAtStartOnlyDelaysTheEvents() throws Exception {
        int nobody = Ports.free(HOST);
        try (CapturingSink mx = CapturingSink.start(EventLoad.MX_ADDRESS, CapturingSink.ACCEPT_ALL);
             DnsmasqServer dns = DnsmasqServer.start(60, "--mx-host=dest.test,mx.dest.test,10",
                     "--host-record=mx.dest.test," + EventLoad.MX_ADDRESS)) {
            RelayProcess relay = relays.start(FaultSettings.relayTo(work, dns, mx.port())
                    .set("POSTLOOM_EVENTS_KAFKA_BOOTSTRAP_SERVERS", HOST + ":" + nobody)
                    .set("POSTLOOM_EVENTS_MAX_BACKOFF", "PT1S"));
            String id = MessageSender.send(relay.smtpPort(), "app@sender.test", List.of("a@dest.test"), "Subject: x\r\n\r\nx\r\n");
            relay.awaitLogLines("delivered id=" + id, 1, Duration.ofSeconds(30));
            relay.awaitLogLines("events-sink-failing sink=kafka", 1, Duration.ofSeconds(30));
            assertThat(relay.logLines("events-sink-failing")).as("one warning a minute, not one per event").hasSize(1);
            assertThat(relay.logLines("org.apache.kafka")).as("the client's own reconnect warnings").isEmpty();
        }
    }

    private static KafkaConsumer<String, byte[]> consumer(String group) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return new KafkaConsumer<>(p);
    }
}
