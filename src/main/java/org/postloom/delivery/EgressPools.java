package org.postloom.delivery;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.postloom.mail.Envelope;

/**
 * Chooses a message's egress source when it is queued: first its pool (one small function: the
 * tenant's pool once tenants exist, else by envelope sender domain, else the default pool), then a
 * member of that pool by smooth weighted round robin (nginx's), so that 3:1 is 3:1 over any few
 * messages, not only on average. Thread-safe: SMTP sessions call it as they queue mail.
 */
public final class EgressPools {

    /** A weighted member of a pool. */
    public record Member(String source, int weight) {
        public Member {
            if (weight < 1) throw new IllegalArgumentException("weight must be positive");
        }
    }

    private final Map<String, Pool> pools;
    private final Map<String, String> senderDomains;
    private final Optional<String> defaultPool;
    private final Function<Envelope, Optional<String>> tenantPool;

    /**
     * @param tenantPool the pool of the message's tenant, if it has one (a hook for tenants;
     *                   {@code e -> Optional.empty()} until then)
     */
    public EgressPools(Map<String, List<Member>> pools, Map<String, String> senderDomains, Optional<String> defaultPool,
                       Function<Envelope, Optional<String>> tenantPool) {
        this.pools = pools.entrySet().stream().collect(java.util.stream.Collectors.toUnmodifiableMap(
                Map.Entry::getKey, e -> new Pool(e.getValue())));
        this.senderDomains = senderDomains.entrySet().stream().collect(java.util.stream.Collectors.toUnmodifiableMap(
                e -> e.getKey().toLowerCase(Locale.ROOT), Map.Entry::getValue));
        this.defaultPool = defaultPool;
        this.tenantPool = tenantPool;
    }

    public static EgressPools none() {
        return new EgressPools(Map.of(), Map.of(), Optional.empty(), e -> Optional.empty());
    }

    /** The pool for a message: its tenant's, else its sender domain's, else the default. */
    Optional<String> poolFor(Envelope envelope) {
        return tenantPool.apply(envelope)
                .or(() -> Optional.ofNullable(envelope.sender().isNull() ? null
                        : senderDomains.get(envelope.sender().domain().toLowerCase(Locale.ROOT))))
                .or(() -> defaultPool);
    }

    /** The source for a message being queued; {@code ""} when no pool applies. */
    public String choose(Envelope envelope) {
        return poolFor(envelope).map(pools::get).map(Pool::next).orElse("");
    }

    /** Whether no pool is configured: every message leaves without a bound source. */
    boolean isEmpty() {
        return pools.isEmpty();
    }

    /** Whether {@code source} may stay the message's source (it is still configured). */
    boolean knows(String source) {
        return pools.values().stream().anyMatch(p -> p.has(source));
    }

    private static final class Pool {
        private final List<Member> members;
        private final int total;
        private final int[] current;

        Pool(List<Member> members) {
            this.members = List.copyOf(members);
            this.total = members.stream().mapToInt(Member::weight).sum();
            this.current = new int[members.size()];
        }

        /** Smooth weighted round robin: everyone gains its weight, the richest is chosen and pays the total. */
        synchronized String next() {
            int best = 0;
            for (int i = 0; i < current.length; i++) {
                current[i] += members.get(i).weight();
                if (current[i] > current[best]) best = i;
            }
            current[best] -= total;
            return members.get(best).source();
        }

        boolean has(String source) {
            return members.stream().anyMatch(m -> m.source().equals(source));
        }
    }
}
