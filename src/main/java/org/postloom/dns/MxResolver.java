package org.postloom.dns;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.LongConsumer;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Type;

/**
 * Finds where mail for a domain goes (RFC 5321 section 5.1, RFC 7505), with dnsjava. Thread-safe:
 * one instance serves every courier. {@link #resolve} blocks its (virtual) thread for at most the
 * time-out given at creation, however many questions it asks; answers are cached for their TTL.
 * It never asks {@code InetAddress}, whose native lookups would pin a carrier thread.
 */
public final class MxResolver {

    private final DnsQuestions dns;
    private final Duration timeout;
    private final LongConsumer lookupNanos;

    private MxResolver(DnsQuestions dns, Duration timeout, LongConsumer lookupNanos) {
        this.dns = dns;
        this.timeout = timeout;
        this.lookupNanos = lookupNanos;
    }

    /**
     * @param servers resolvers to ask, tried in turn; empty means the system's resolvers
     * @param timeout the most one {@link #resolve} call may take
     */
    public static MxResolver create(List<InetSocketAddress> servers, Duration timeout) {
        return create(servers, timeout, nanos -> {});
    }

    /**
     * As {@link #create(List, Duration)}, and tells {@code lookupNanos} how long each {@link
     * #resolve} took, in nanoseconds: a hook for metrics.
     */
    public static MxResolver create(
            List<InetSocketAddress> servers, Duration timeout, LongConsumer lookupNanos) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("DNS time-out must be positive: " + timeout);
        }
        return new MxResolver(DnsQuestions.create(servers, timeout), timeout, lookupNanos);
    }

    /**
     * Where to send mail for {@code domain}, which may be internationalized (UTF-8) and may end
     * with a dot. Text that cannot be turned into a DNS name (RFC 5890 A-labels) is {@link
     * Resolution.NoSuchDomain}: no retry can make it deliverable.
     */
    public Resolution resolve(String domain) {
        long start = System.nanoTime();
        try {
            Optional<Name> name = DomainNames.toAbsoluteName(domain);
            return name.isEmpty()
                    ? new Resolution.NoSuchDomain()
                    : resolve(name.get(), start + timeout.toNanos());
        } finally {
            lookupNanos.accept(System.nanoTime() - start);
        }
    }

    private Resolution resolve(Name domain, long deadlineNanos) {
        return switch (dns.await(dns.ask(domain, Type.MX), deadlineNanos)) {
            case Answer.NoSuchName _ -> new Resolution.NoSuchDomain();
            case Answer.Failed failed ->
                    new Resolution.TemporaryFailure("MX of " + domain + ": " + failed.reason());
            case Answer.Found found -> fromMx(domain, found, deadlineNanos);
        };
    }

    private Resolution fromMx(Name domain, Answer.Found found, long deadlineNanos) {
        List<MXRecord> mx = found.records().stream()
                .filter(MXRecord.class::isInstance)
                .map(MXRecord.class::cast)
                .toList();
        if (mx.isEmpty()) {
            // No MX records: the domain itself is the implicit MX (RFC 5321 section 5.1).
            return ExchangerAddresses.resolve(List.of(new Exchanger(domain, 0)), dns, deadlineNanos);
        }
        // A null MX is a single MX whose target is the root (RFC 7505 section 3). A root target
        // among real ones breaks that rule; it cannot be connected to, so only it is ignored.
        if (mx.stream().allMatch(r -> r.getTarget().equals(Name.root))) {
            return new Resolution.NullMx();
        }
        List<Exchanger> exchangers = mx.stream()
                .filter(r -> !r.getTarget().equals(Name.root))
                .map(r -> new Exchanger(r.getTarget(), r.getPriority()))
                .toList();
        Resolution hosts = ExchangerAddresses.resolve(Exchanger.inTryOrder(exchangers), dns, deadlineNanos);
        // The set of MX names holds as long as its shortest-lived record (RFC 2181 section 5.2).
        long ttl = mx.stream().mapToLong(MXRecord::getTTL).min().orElseThrow();
        return hosts instanceof Resolution.Hosts h ? h.withMxTtl(Duration.ofSeconds(ttl)) : hosts;
    }
}
