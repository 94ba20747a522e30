package org.postloom.dns;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import org.xbill.DNS.Name;

/**
 * A mail exchanger named by an MX record, or the domain itself as implicit MX, before its
 * addresses are known.
 */
record Exchanger(Name name, int preference) {

    /**
     * The order to try exchangers in (RFC 5321 section 5.1): lowest preference first, random
     * among equal preference so that load spreads over a domain's equal hosts. A host named twice
     * keeps only its most preferred place.
     */
    static List<Exchanger> inTryOrder(List<Exchanger> exchangers) {
        Map<Name, Exchanger> bestPerName = new LinkedHashMap<>();
        for (Exchanger e : exchangers) {
            bestPerName.merge(e.name(), e, (a, b) -> a.preference() <= b.preference() ? a : b);
        }
        Map<Integer, List<Exchanger>> byPreference = new TreeMap<>();
        for (Exchanger e : bestPerName.values()) {
            byPreference.computeIfAbsent(e.preference(), p -> new ArrayList<>()).add(e);
        }
        List<Exchanger> ordered = new ArrayList<>(bestPerName.size());
        for (List<Exchanger> equals : byPreference.values()) {
            Collections.shuffle(equals, ThreadLocalRandom.current());
            ordered.addAll(equals);
        }
        return ordered;
    }
}
