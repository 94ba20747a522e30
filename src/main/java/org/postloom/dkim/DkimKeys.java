package org.postloom.dkim;

import java.net.IDN;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.postloom.config.MapKeys;

/**
 * The signing keys by domain, loaded once at start. Rotating a key means configuring a new
 * selector (and publishing its public key) before the old one is removed.
 */
public final class DkimKeys {

    /** A domain and the keys that sign for it (two keys: two signatures, RFC 8463 dual signing). */
    public record Match(String domain, List<SigningKey> keys) {
    }

    private final Map<String, List<SigningKey>> byDomain;

    private DkimKeys(Map<String, List<SigningKey>> byDomain) {
        this.byDomain = byDomain;
    }

    /**
     * Loads every key file; the first bad one throws a {@link DkimKeyException} naming it.
     *
     * @param files domain, then selector, then PEM file; the quotes SmallRye keeps around dotted
     *              map keys are taken off
     */
    public static DkimKeys load(Map<String, Map<String, String>> files) {
        var byDomain = new TreeMap<String, List<SigningKey>>();
        files.forEach((domain, selectors) -> {
            var keys = new ArrayList<SigningKey>();
            new TreeMap<>(selectors).forEach((selector, file) ->
                    keys.add(KeyFile.read(Path.of(file.strip()), MapKeys.unquote(selector))));
            if (!keys.isEmpty()) byDomain.put(normalize(MapKeys.unquote(domain)), List.copyOf(keys));
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
            List<SigningKey> keys = byDomain.get(candidate);
            if (keys != null) return Optional.of(new Match(candidate, keys));
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
