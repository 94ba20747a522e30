package org.postloom.events;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * One Kafka record per event on {@code postloom.events.kafka.topic}: key = queue id (a message's
 * events stay in order on one partition), value = the event's JSON. The producer is idempotent
 * with {@code acks=all}, so its own retries add no duplicates; a batch completes when the broker
 * has acknowledged every record. The producer is made at the first batch, so a broker that is
 * down (or a name that does not resolve yet) at start only delays events.
 */
final class KafkaSink implements EventSink {

    private static final byte[] QUEUE_ID = "\"queue_id\":\"".getBytes(StandardCharsets.US_ASCII);

    private final String bootstrapServers;
    private final String topic;
    private KafkaProducer<String, byte[]> producer;

    KafkaSink(String bootstrapServers, String topic) {
        this.bootstrapServers = bootstrapServers;
        this.topic = topic;
    }

    /** Checks {@code host:port,...} at start; one line naming the setting when it is malformed. */
    static String checkServers(String servers) {
        for (String s : servers.split(",")) {
            String hp = s.strip();
            int colon = hp.lastIndexOf(':');
            boolean ok = colon > 0 && colon < hp.length() - 1 && hp.substring(colon + 1).chars().allMatch(Character::isDigit);
            if (!ok) throw new IllegalArgumentException("postloom.events.kafka.bootstrap-servers: expected host:port,..., got " + servers);
        }
        return servers.strip();
    }

    @Override
    public String name() {
        return "kafka";
    }

    @Override
    public int inFlight() {
        return 4;
    }

    @Override
    public int batchSize() {
        return 500;
    }

    @Override
    public CompletableFuture<Void> send(List<byte[]> events) {
        CompletableFuture<?>[] acks = new CompletableFuture<?>[events.size()];
        try {
            KafkaProducer<String, byte[]> p = producer();
            for (int i = 0; i < events.size(); i++) {
                var ack = new CompletableFuture<Void>();
                acks[i] = ack;
                p.send(new ProducerRecord<>(topic, queueId(events.get(i)), events.get(i)), (meta, error) -> {
                    if (error == null) ack.complete(null);
                    else ack.completeExceptionally(error);
                });
            }
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return CompletableFuture.allOf(acks);
    }

    private synchronized KafkaProducer<String, byte[]> producer() {
        if (producer == null) {
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            p.put(ProducerConfig.CLIENT_ID_CONFIG, "postloom-events");
            p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
            // A send that cannot reach the cluster fails the batch within seconds; the pump retries it.
            p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5000);
            p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10000);
            p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30000);
            p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            producer = new KafkaProducer<>(p);
        }
        return producer;
    }

    /** The queue id of an event line, found without parsing the whole object. */
    static String queueId(byte[] event) {
        outer:
        for (int i = 0; i + QUEUE_ID.length <= event.length; i++) {
            for (int j = 0; j < QUEUE_ID.length; j++) if (event[i + j] != QUEUE_ID[j]) continue outer;
            int start = i + QUEUE_ID.length;
            int end = start;
            while (end < event.length && event[end] != '"') end++;
            return new String(event, start, end - start, StandardCharsets.US_ASCII);
        }
        return null;
    }

    @Override
    public synchronized void close() {
        if (producer != null) producer.close(java.time.Duration.ofSeconds(5));
    }
}
