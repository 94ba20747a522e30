package org.postloom.tls;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import javax.net.ssl.SSLException;

/**
 * The MTA-STS policies of recipient domains (RFC 8461): discovered through the {@code _mta-sts} TXT
 * record, fetched over HTTPS from {@code mta-sts.<domain>}, kept in memory and on disk for their
 * {@code max_age}, fetched again when the TXT {@code id} changes, and refreshed in the background
 * (RFC 8461 10.2) so that mail never waits for a fetch of a known domain. A fetch that fails leaves
 * the cached policy in force: a policy host that is down (or blocked by an attacker) never
 * downgrades a cached enforce policy (RFC 8461 5.1). Thread-safe.
 */
public final class MtaSts {

    private static final System.Logger LOG = System.getLogger("org.postloom.tls");
    /** RFC 8461 3.3 leaves the bound to the sender; 64 KiB is far above any real policy. */
    static final int BODY_LIMIT = 64 * 1024;
    /** A domain whose fetch failed is not fetched again for a while (one failure, not one per connection). */
    private static final Duration FAILED_FETCH_PAUSE = Duration.ofMinutes(5);

    /**
     * What the lookup found: the policy in force, if any, and why none could be fetched (for
     * TLS-RPT's {@code sts-policy-fetch-error}, {@code sts-policy-invalid}, {@code sts-webpki-invalid}).
     */
    public record Lookup(Optional<MtaStsPolicy> policy, Optional<TlsFailure> fetchFailure) {}

    private record TxtRecord(String id) {}

    private final Function<String, Optional<List<String>>> txt;
    private final PolicyHttp http;
    private final MtaStsStore store;
    private final Clock clock;
    private final Map<String, MtaStsPolicy> cache = new ConcurrentHashMap<>();
    private final Map<String, Instant> fetchPausedUntil = new ConcurrentHashMap<>();
    private final Map<String, TlsFailure> lastFailure = new ConcurrentHashMap<>();

    /**
     * @param txt      TXT strings at a name ({@code PolicyDns::txt}); empty when DNS failed
     * @param cacheDir where policies are kept across restarts ({@code <spool>/mta-sts})
     */
    public MtaSts(Function<String, Optional<List<String>>> txt, PolicyHttp http, Path cacheDir, Clock clock) {
        this.txt = txt;
        this.http = http;
        this.store = new MtaStsStore(cacheDir);
        this.clock = clock;
        cache.putAll(store.load());
    }

    /** The policy that applies to mail for {@code domain} now (RFC 8461 3.3 and 5.1). */
    public Lookup lookup(String domain) {
        String key = domain.toLowerCase(Locale.ROOT);
        Instant now = clock.instant();
        Optional<MtaStsPolicy> cached = Optional.ofNullable(cache.get(key)).filter(p -> p.freshAt(now));
        Optional<TxtRecord> record = txtRecord(key);
        if (record.isEmpty()) return new Lookup(cached, Optional.empty()); // no TXT: a cached policy still holds
        if (cached.isPresent() && cached.get().id().equals(record.get().id())) return new Lookup(cached, Optional.empty());
        Instant paused = fetchPausedUntil.get(key);
        if (paused != null && now.isBefore(paused)) return new Lookup(cached, Optional.ofNullable(lastFailure.get(key)));
        return fetch(key, record.get().id()).map(p -> new Lookup(Optional.of(p), Optional.<TlsFailure>empty()))
                .orElseGet(() -> new Lookup(cached, Optional.ofNullable(lastFailure.get(key))));
    }

    /**
     * RFC 8461 10.2: fetches again every cached policy whose TXT id changed or that is past half
     * its max_age, so that a domain in use never lets its policy lapse. Failures keep the old policy.
     */
    public void refresh() {
        Instant now = clock.instant();
        for (Map.Entry<String, MtaStsPolicy> e : cache.entrySet()) {
            MtaStsPolicy policy = e.getValue();
            Optional<TxtRecord> record = txtRecord(e.getKey());
            boolean changed = record.isPresent() && !record.get().id().equals(policy.id());
            boolean ageing = !now.isBefore(policy.fetched().plus(policy.maxAge().dividedBy(2)));
            if (changed || ageing) fetch(e.getKey(), record.map(TxtRecord::id).orElse(policy.id()));
        }
    }

    /** Runs {@link #refresh()} every {@code period} on a daemon thread until closed. */
    public AutoCloseable refreshEvery(Duration period) {
        Thread thread = Thread.ofVirtual().name("mta-sts-refresh").start(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.sleep(period);
                    refresh();
                }
            } catch (InterruptedException e) {
                // closed
            }
        });
        return thread::interrupt;
    }

    /** RFC 8461 3.1: exactly one TXT record beginning {@code v=STSv1}, with an {@code id} of 1-32 alphanumerics. */
    private Optional<TxtRecord> txtRecord(String domain) {
        List<String> strings = txt.apply("_mta-sts." + domain).orElse(List.of());
        List<String> sts = strings.stream().filter(s -> s.startsWith("v=STSv1")).toList();
        if (sts.size() != 1) return Optional.empty();
        for (String field : sts.getFirst().split(";")) {
            String f = field.strip();
            if (f.startsWith("id=") && f.substring(3).matches("[A-Za-z0-9]{1,32}")) return Optional.of(new TxtRecord(f.substring(3)));
        }
        return Optional.empty();
    }

    private Optional<MtaStsPolicy> fetch(String domain, String id) {
        URI uri = URI.create("https://mta-sts." + domain + "/.well-known/mta-sts.txt");
        TlsFailure failure;
        try {
            PolicyHttp.Response response = http.get(uri, BODY_LIMIT);
            if (response.status() != 200) {
                failure = new TlsFailure(TlsFailure.Type.STS_POLICY_FETCH_ERROR, "HTTP " + response.status() + " from " + uri);
            } else if (!response.mediaType().equalsIgnoreCase("text/plain")) {
                failure = new TlsFailure(TlsFailure.Type.STS_POLICY_INVALID, "media type " + response.mediaType() + " from " + uri);
            } else {
                MtaStsPolicy policy = MtaStsPolicy.parse(response.body(), id, clock.instant());
                cache.put(domain, policy);
                store.save(domain, policy);
                fetchPausedUntil.remove(domain);
                lastFailure.remove(domain);
                LOG.log(System.Logger.Level.INFO, "mta-sts policy domain=" + domain + " id=" + id + " mode="
                        + policy.mode().name().toLowerCase(Locale.ROOT) + " max_age=" + policy.maxAge().toSeconds());
                return Optional.of(policy);
            }
        } catch (SSLException e) {
            failure = new TlsFailure(TlsFailure.Type.STS_WEBPKI_INVALID, uri.getHost() + ": " + e.getMessage());
        } catch (IOException e) {
            failure = new TlsFailure(TlsFailure.Type.STS_POLICY_FETCH_ERROR, uri.getHost() + ": " + e);
        } catch (MtaStsPolicy.InvalidPolicy e) {
            failure = new TlsFailure(TlsFailure.Type.STS_POLICY_INVALID, uri + ": " + e.getMessage());
        }
        LOG.log(System.Logger.Level.WARNING, "mta-sts fetch-failed domain=" + domain + " result=" + failure.type().word()
                + " reason=\"" + failure.reason() + "\"");
        fetchPausedUntil.put(domain, clock.instant().plus(FAILED_FETCH_PAUSE));
        lastFailure.put(domain, failure);
        return Optional.empty();
    }
}
