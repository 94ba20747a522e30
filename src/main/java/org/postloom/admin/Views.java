package org.postloom.admin;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.postloom.delivery.QueueControl;
import org.postloom.delivery.schedule.SiteView;
import org.postloom.spool.RecipientState;
import org.postloom.spool.SpooledMessage;

/** The JSON shapes of the queue API, kept apart from the internal types they show. */
final class Views {

    private Views() {}

    record Recipient(String address, String state, Instant nextAttempt, String reply) {}

    record Message(String id, String sender, Instant arrival, String client, String tls, long size,
                   List<Recipient> recipients, String tenant) {}

    record Queued(String id, String sender, List<String> recipients, Instant arrival, Instant due, long size) {}

    record Count(int count) {}

    /** {@code GET /sites} (CONTRACT.md section 2). */
    record Site(String site, List<String> domains, List<String> mx, List<SitePath> paths,
                @JsonProperty("last_error") String lastError) {}

    record SitePath(String source, int connections,
                    @JsonProperty("cluster_connections") int clusterConnections, int ready,
                    @JsonProperty("suspended_until") Instant suspendedUntil,
                    @JsonProperty("throttled_until") Instant throttledUntil, int deferred, String rate) {}

    record Suspended(String status, String site, Instant until) {}

    static List<Site> sites(List<SiteView> sites) {
        return sites.stream().map(s -> new Site(s.site(), s.domains(), s.mx(), s.paths().stream()
                .map(p -> new SitePath(p.source(), p.connections(), p.clusterConnections(), p.ready(), p.suspendedUntil(),
                        p.throttledUntil(), p.deferred(), p.rate()))
                .toList(), s.lastError())).toList();
    }

    record Status(String status) {}

    record Error(String error) {}

    static List<Queued> of(List<QueueControl.QueuedMessage> messages) {
        return messages.stream().map(m -> new Queued(m.id().value(), m.sender().toString(),
                m.recipients().stream().map(Object::toString).toList(), m.arrival(), m.due(), m.size())).toList();
    }

    static Message of(SpooledMessage m) {
        List<Recipient> rcpts = new ArrayList<>();
        for (int i = 0; i < m.recipients().size(); i++) {
            String address = m.envelope().recipients().get(i).toString();
            rcpts.add(switch (m.recipients().get(i)) {
                case RecipientState.Pending p -> new Recipient(address, "pending", null, null);
                case RecipientState.Delivered d -> new Recipient(address, "delivered", null, null);
                case RecipientState.Deferred d -> new Recipient(address, "deferred", d.nextAttempt(), d.reply());
                case RecipientState.Failed f -> new Recipient(address, "failed", null, f.reply());
            });
        }
        var env = m.envelope();
        return new Message(env.queueId().value(), env.sender().toString(), env.arrival(), env.client(), env.tls(),
                m.bodySize(), rcpts, env.tenant());
    }

    /** {@code local@domain} with both parts present, no spaces or angle brackets. */
    static boolean isAddress(String address) {
        int at = address.lastIndexOf('@');
        return at > 0 && at < address.length() - 1 && address.chars().noneMatch(c -> c <= ' ' || c == '<' || c == '>');
    }
}
