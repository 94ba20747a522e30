package org.postloom.it;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import org.postloom.dns.DnsmasqServer;
import org.postloom.testing.Await;

/** A relay whose MX lookups go to the given DNS server and whose deliveries go to the sink's port, retrying fast. */
final class FaultSettings {

    private FaultSettings() {}

    static RelayProcess.Settings relayTo(Path work, DnsmasqServer dns, int deliveryPort) {
        return relayTo(work, "127.0.0.1:" + dns.address().getPort(), deliveryPort);
    }

    static RelayProcess.Settings relayTo(Path work, String dnsServer, int deliveryPort) {
        return RelayProcess.Settings.in(work)
                .set("POSTLOOM_DNS_SERVERS", dnsServer)
                .set("POSTLOOM_DELIVERY_PORT", Integer.toString(deliveryPort))
                .set("POSTLOOM_DELIVERY_MIN_BACKOFF", "PT1S")
                .set("POSTLOOM_DELIVERY_MAX_BACKOFF", "PT2S")
                .set("POSTLOOM_DELIVERY_CONNECT_TIMEOUT", "PT2S");
    }

    /** Waits until every queue id has arrived at the sink, or the time is up; returns the arrival counts. */
    static Map<String, Integer> awaitArrivals(CapturingSink sink, Collection<String> queueIds, Duration timeout)
            throws InterruptedException {
        Await.within(timeout, () -> sink.arrivalsByQueueId().keySet().containsAll(queueIds));
        return sink.arrivalsByQueueId();
    }
}
