package org.postloom.dkim;

import java.net.IDN;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.postloom.config.MapKeys;

/**
 * The signing keys by domain, loaded once at start. Rotating a key means configuring a new
 * selector (and publishing its public key) before the old one is removed.
 */
public final class DkimKeys {

    /** A domain and the keys that sign for it (two keys: two signatures, RFC 8463 dual signing). */
    public record Match(String domain, List<SigningKey> keys) {

        public Match {
            keys = List.copyOf(keys);
        }

        /** The keys' selectors, comma-separated (the log line of a signed message). */
        public String selectors() {
            return joined(SigningKey::selector);
        }

        /** The keys' {@code a=} names, comma-separated. */
        public String algorithms() {
            return joined(k -> k.algorithm().tagName());
        }

        private String joined(Function<SigningKey, String> part) {
            return keys.stream().map(part).collect(Collectors.joining(","));
        }
    }

    /** Made once at start, so a signed message allocates no match. */
    private final Map<String, Match> byDomain;

    private DkimKeys(Map<String, Match> byDomain) {
        this.byDomain = byDomain;
    }

    /**
     * Loads every key file; the first bad one throws a {@link DkimKeyException} naming it.
     *
     * @param files domain, then selector, then PEM file; the quotes SmallRye keeps around dotted
     *              map keys are taken off
     */
    public static DkimKeys load(Map<String, Map<String, String>> files) {
        var byDomain = new TreeMap<String, Match>();
        files.forEach((domain, selectors) -> {
            var keys = new ArrayList<SigningKey>();
            new TreeMap<>(selectors).forEach((selector, file) ->
                    keys.add(KeyFile.read(Path.of(file.strip()), MapKeys.unquote(selector))));
            String name = normalize(MapKeys.unquote(domain));
            if (!keys.isEmpty()) byDomain.put(name, new Match(name, keys));
        });
        return new DkimKeys(byDomain);
    }

    public boolean isEmpty() {
        return byDomain.isEmpty();
    }

    public int domains() {
        return byDomain.size();
    }

    /**
     * The keys for {@code domain}, or with {@code parents} for the nearest parent domain that has
     * keys ({@code mail.example.com} signs as {@code example.com}): RFC 6376 6.1.1 lets the From
     * domain be a subdomain of {@code d=}.
     */
    public Optional<Match> find(String domain, boolean parents) {
        String candidate = domain;
        while (true) {
            Match match = byDomain.get(candidate);
            if (match != null) return Optional.of(match);
            int dot = candidate.indexOf('.');
            // Never a bare top-level domain: d= must not be one (RFC 6376 6.1.1 makes verifiers wary).
            if (!parents || dot < 0 || candidate.indexOf('.', dot + 1) < 0) return Optional.empty();
            candidate = candidate.substring(dot + 1);
        }
    }

    private static String normalize(String domain) {
        String d = domain.strip();
        if (d.endsWith(".")) d = d.substring(0, d.length() - 1);
        return IDN.toASCII(d, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
    }
}
