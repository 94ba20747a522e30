package org.postloom.delivery.schedule;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Everything configured about shaping: the default path limits, overrides by site match, reply
 * rules in their configured order, per-source caps over all sites (IP warm-up), and the global cap
 * of outbound connections.
 */
public record ShapingPolicy(PathLimits defaults, Map<SiteMatch, PathLimits.Override> sites, List<ReplyRule> rules,
                            Map<String, Rate> sourceCaps, int maxConnections) {

    public ShapingPolicy {
        sites = Map.copyOf(sites);
        rules = List.copyOf(rules);
        sourceCaps = Map.copyOf(sourceCaps);
        if (maxConnections < 1) throw new IllegalArgumentException("max connections must be positive");
    }

    /** Contract defaults: 20 connections, 100 messages per connection, no rates, no rules. */
    public static ShapingPolicy standard() {
        return new ShapingPolicy(new PathLimits(20, 100, Optional.empty(), Optional.empty()), Map.of(), List.of(), Map.of(), 1000);
    }

    public ShapingPolicy withDefaults(PathLimits limits) {
        return new ShapingPolicy(limits, sites, rules, sourceCaps, maxConnections);
    }

    /** The limits of {@code site}'s paths: default, then matching suffixes (shorter first), then domains. */
    PathLimits limitsFor(Site<?> site) {
        PathLimits limits = defaults;
        List<Map.Entry<SiteMatch, PathLimits.Override>> matching = sites.entrySet().stream()
                .filter(e -> e.getKey().matches(site))
                .sorted(Comparator.comparingInt((Map.Entry<SiteMatch, PathLimits.Override> e) -> e.getKey().specificity())
                        .thenComparing(e -> e.getKey().text()))
                .toList();
        for (var e : matching) limits = e.getValue().over(limits);
        return limits;
    }

    List<ReplyRule> rulesFor(Site<?> site) {
        return rules.stream().filter(r -> r.match().matches(site)).toList();
    }

    /**
     * Whether a reply on {@code site} makes a rule fire: the courier then stops its batch at once
     * and reports, so the rest of the batch obeys the suspension or the throttle.
     */
    Predicate<String> haltsOn(Site<?> site) {
        List<ReplyRule> watching = rulesFor(site);
        return reply -> watching.stream().anyMatch(r -> r.matches(reply));
    }
}
