package org.postloom.dns;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.xbill.DNS.Cache;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Name;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.ResolverConfig;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.lookup.LookupSession;

/**
 * Asks DNS through one dnsjava {@link LookupSession} (thread-safe) whose cache honours each
 * answer's TTL, negative answers included (RFC 2308). Questions are asynchronous so that the A and
 * AAAA questions of all MX hosts run at once; waiting is bounded by a caller's deadline.
 */
final class DnsQuestions {

    private final LookupSession session;
    private final Duration timeout;

    private DnsQuestions(LookupSession session, Duration timeout) {
        this.session = session;
        this.timeout = timeout;
    }

    /**
     * One {@link SimpleResolver} per server, behind an {@link ExtendedResolver} when there are
     * several; no servers means the system's (dnsjava's {@link ResolverConfig}). No hosts file and
     * no search path: mail domains are absolute DNS names (RFC 5321 section 5.1).
     */
    static DnsQuestions create(List<InetSocketAddress> servers, Duration timeout) {
        List<InetSocketAddress> chosen =
                servers.isEmpty() ? ResolverConfig.getCurrentConfig().servers() : servers;
        if (chosen.isEmpty()) {
            throw new IllegalStateException(
                    "no DNS servers given and none found in the system's configuration");
        }
        List<Resolver> resolvers = chosen.stream().<Resolver>map(SimpleResolver::new).toList();
        // Each server gets its share of the time, so that a dead first server leaves time to ask
        // the next one before the caller's deadline.
        Duration perServer = timeout.dividedBy(resolvers.size());
        resolvers.forEach(r -> r.setTimeout(perServer));
        Resolver resolver =
                resolvers.size() == 1 ? resolvers.getFirst() : new ExtendedResolver(resolvers);
        resolver.setTimeout(timeout);
        LookupSession session =
                LookupSession.builder().resolver(resolver).cache(new Cache(DClass.IN)).build();
        return new DnsQuestions(session, timeout);
    }

    CompletableFuture<Answer> ask(Name name, int type) {
        return session.lookupAsync(name, type)
                .toCompletableFuture()
                .handle((result, failure) -> failure == null
                        ? new Answer.Found(result.getRecords())
                        : Answer.fromFailure(failure));
    }

    /** Waits for an answer until {@code deadlineNanos} ({@link System#nanoTime()} based). */
    Answer await(CompletableFuture<Answer> pending, long deadlineNanos) {
        try {
            return pending.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            pending.cancel(false);
            return new Answer.Failed("no answer within " + timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer.Failed("interrupted");
        } catch (ExecutionException e) {
            return Answer.fromFailure(e);
        }
    }
}
