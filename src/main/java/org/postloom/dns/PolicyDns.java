package org.postloom.dns;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.ResolverConfig;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/**
 * The DNS questions of TLS policy (MX, TLSA, TXT, A/AAAA of policy hosts), asked of the configured
 * resolvers with the DO bit and the AD bit set (RFC 6840 5.7: a query with AD asks for the
 * validator's verdict), answered with that verdict. dnsjava's {@code LookupSession} drops the
 * header, so this asks with {@link Resolver#sendAsync} and keeps a small TTL-bounded cache of its
 * own. Thread-safe.
 */
public final class PolicyDns {

    /** EDNS payload of the DNS Flag Day 2020 advice; larger answers come over TCP. */
    private static final int PAYLOAD = 1232;
    /** Negative and failure answers are kept briefly, so a burst of deliveries asks once. */
    private static final Duration NEGATIVE_TTL = Duration.ofSeconds(60);
    private static final Duration FAILURE_TTL = Duration.ofSeconds(5);
    private static final Duration MAX_TTL = Duration.ofHours(1);

    private record Key(Name name, int type) {}

    private record Cached(SecureAnswer answer, Instant until) {}

    private final Resolver resolver;
    private final Duration timeout;
    private final Clock clock;
    private final Map<Key, Cached> cache = new ConcurrentHashMap<>();

    private PolicyDns(Resolver resolver, Duration timeout, Clock clock) {
        this.resolver = resolver;
        this.timeout = timeout;
        this.clock = clock;
    }

    /** @param servers resolvers as for {@link MxResolver}; empty means the system's */
    public static PolicyDns create(List<InetSocketAddress> servers, Duration timeout, Clock clock) {
        List<InetSocketAddress> chosen = servers.isEmpty() ? ResolverConfig.getCurrentConfig().servers() : servers;
        if (chosen.isEmpty()) throw new IllegalStateException("no DNS servers given and none found in the system's configuration");
        List<Resolver> resolvers = new ArrayList<>();
        for (InetSocketAddress server : chosen) {
            SimpleResolver simple = new SimpleResolver(server);
            simple.setEDNS(0, PAYLOAD, ExtendedFlags.DO, List.of());
            simple.setTimeout(timeout.dividedBy(chosen.size()));
            resolvers.add(simple);
        }
        Resolver resolver = resolvers.size() == 1 ? resolvers.getFirst() : new ExtendedResolver(resolvers);
        resolver.setTimeout(timeout);
        return new PolicyDns(resolver, timeout, clock);
    }

    /** The MX RRset of a domain, to know whether its host names may be trusted (RFC 7672 2.2.1). */
    public SecureAnswer mx(String domain) {
        return ask(domain, Type.MX);
    }

    /** TLSA records of {@code _<port>._tcp.<host>} (RFC 7672 2.2.3, RFC 6698). */
    public SecureAnswer tlsa(String host, int port) {
        return ask("_" + port + "._tcp." + host, Type.TLSA);
    }

    /** The TXT strings at {@code name}, each record's strings joined (RFC 8461 3.1 and RFC 8460 3). */
    public Optional<List<String>> txt(String name) {
        SecureAnswer answer = ask(name, Type.TXT);
        if (answer instanceof SecureAnswer.Failed) return Optional.empty();
        return Optional.of(answer.recordsOrEmpty().stream().filter(TXTRecord.class::isInstance)
                .map(r -> String.join("", ((TXTRecord) r).getStrings())).toList());
    }

    /** Addresses of a host, IPv4 first, for HTTPS connections made through these resolvers. */
    public List<InetAddress> addresses(String host) {
        List<InetAddress> out = new ArrayList<>();
        for (int type : new int[] {Type.A, Type.AAAA}) {
            for (Record r : ask(host, type).recordsOrEmpty()) {
                if (r instanceof ARecord a) out.add(a.getAddress());
                if (r instanceof AAAARecord aaaa) out.add(aaaa.getAddress());
            }
        }
        return out;
    }

    /** Asks (name, type), from the cache while its answer is fresh. */
    public SecureAnswer ask(String name, int type) {
        Optional<Name> absolute = absolute(name);
        if (absolute.isEmpty()) return new SecureAnswer.NoSuchName(false);
        Key key = new Key(absolute.get(), type);
        Instant now = clock.instant();
        Cached cached = cache.get(key);
        if (cached != null && now.isBefore(cached.until())) return cached.answer();
        SecureAnswer answer = send(key);
        cache.put(key, new Cached(answer, now.plus(ttl(answer))));
        return answer;
    }

    /**
     * Service labels ({@code _25._tcp.}, {@code _mta-sts.}, {@code _smtp._tls.}) are not host name
     * labels: IDNA's STD3 rules would refuse their underscore, so only the host part is converted.
     */
    private static Optional<Name> absolute(String name) {
        int split = 0;
        while (split < name.length() && name.charAt(split) == '_') {
            int dot = name.indexOf('.', split);
            if (dot < 0) return Optional.empty();
            split = dot + 1;
        }
        Optional<Name> host = DomainNames.toAbsoluteName(name.substring(split));
        if (split == 0 || host.isEmpty()) return host;
        try {
            return Optional.of(Name.concatenate(Name.fromString(name.substring(0, split - 1)), host.get()));
        } catch (org.xbill.DNS.TextParseException | org.xbill.DNS.NameTooLongException e) {
            return Optional.empty();
        }
    }

    private SecureAnswer send(Key key) {
        Message query = Message.newQuery(Record.newRecord(key.name(), key.type(), DClass.IN));
        query.getHeader().setFlag(Flags.AD);
        Message response;
        try {
            response = resolver.sendAsync(query).toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new SecureAnswer.Failed("interrupted");
        } catch (Exception e) {
            return new SecureAnswer.Failed(key.name() + " " + Type.string(key.type()) + ": " + e);
        }
        boolean ad = response.getHeader().getFlag(Flags.AD);
        return switch (response.getRcode()) {
            case Rcode.NOERROR -> records(response, key, ad);
            case Rcode.NXDOMAIN -> new SecureAnswer.NoSuchName(ad);
            default -> new SecureAnswer.Failed(key.name() + " " + Type.string(key.type()) + ": "
                    + Rcode.string(response.getRcode()));
        };
    }

    private SecureAnswer records(Message response, Key key, boolean ad) {
        // CNAMEs are followed by the resolver; keep the records of the type asked, whatever owner.
        List<Record> found = response.getSection(Section.ANSWER).stream().filter(r -> r.getType() == key.type()).toList();
        return new SecureAnswer.Records(found, ad);
    }

    private static Duration ttl(SecureAnswer answer) {
        return switch (answer) {
            case SecureAnswer.Records r when !r.records().isEmpty() -> {
                long least = r.records().stream().mapToLong(Record::getTTL).min().orElse(0);
                yield Duration.ofSeconds(Math.min(least, MAX_TTL.toSeconds()));
            }
            case SecureAnswer.Failed f -> FAILURE_TTL;
            default -> NEGATIVE_TTL;
        };
    }
}
