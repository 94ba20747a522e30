package org.postloom;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.postloom.config.MapKeys;
import org.postloom.config.PostloomConfig;
import org.postloom.delivery.EgressPools;
import org.postloom.delivery.EgressSource;
import org.postloom.delivery.schedule.PathLimits;
import org.postloom.delivery.schedule.Rate;
import org.postloom.delivery.schedule.ReplyRule;
import org.postloom.delivery.schedule.ShapingPolicy;
import org.postloom.delivery.schedule.SiteMatch;
import org.postloom.mail.Envelope;

/**
 * Turns {@code postloom.shaping.*} and {@code postloom.egress.*} into the delivery engine's
 * policy, refusing bad input with one line that names the setting and the value: a rate that is
 * not {@code N/s|min|h}, an invalid regex, a pool member that is not a source, a source address
 * this machine does not have.
 */
final class ShapingConfiguration {

    private ShapingConfiguration() {}

    static ShapingPolicy policy(PostloomConfig config) {
        PostloomConfig.Shaping s = config.shaping();
        var d = s.defaults();
        String base = "postloom.shaping.default.";
        PathLimits defaults = new PathLimits(positive(base + "max-connections", d.maxConnections()),
                positive(base + "max-messages-per-connection", d.maxMessagesPerConnection()),
                rate(base + "max-message-rate", d.maxMessageRate()), rate(base + "max-connection-rate", d.maxConnectionRate()));
        Map<SiteMatch, PathLimits.Override> sites = new HashMap<>();
        s.sites().forEach((key, limits) -> {
            String match = MapKeys.unquote(key);
            String prefix = "postloom.shaping.sites.\"" + match + "\".";
            sites.put(new SiteMatch(match), new PathLimits.Override(
                    limits.maxConnections().map(n -> positive(prefix + "max-connections", n)),
                    limits.maxMessagesPerConnection().map(n -> positive(prefix + "max-messages-per-connection", n)),
                    rate(prefix + "max-message-rate", limits.maxMessageRate()),
                    rate(prefix + "max-connection-rate", limits.maxConnectionRate())));
        });
        List<ReplyRule> rules = new ArrayList<>();
        List<PostloomConfig.Shaping.Rule> configured = s.rules().orElse(List.of());
        for (int i = 0; i < configured.size(); i++) rules.add(rule(i, configured.get(i)));
        Map<String, Rate> caps = new HashMap<>();
        config.egress().sources().forEach((key, source) -> {
            String name = MapKeys.unquote(key);
            rate("postloom.egress.sources.\"" + name + "\".max-message-rate", source.maxMessageRate())
                    .ifPresent(r -> caps.put(name, r));
        });
        return new ShapingPolicy(defaults, sites, rules, caps, config.delivery().maxConnections());
    }

    private static ReplyRule rule(int index, PostloomConfig.Shaping.Rule rule) {
        String prefix = "postloom.shaping.rules[" + index + "].";
        Pattern reply;
        try {
            reply = Pattern.compile(rule.reply());
        } catch (PatternSyntaxException e) {
            throw bad(prefix + "reply", rule.reply(), "is not a valid Java regex (" + e.getDescription() + ")");
        }
        ReplyRule.Action action = switch (rule.action().strip().toLowerCase(Locale.ROOT)) {
            case "suspend" -> ReplyRule.Action.SUSPEND;
            case "throttle" -> ReplyRule.Action.THROTTLE;
            default -> throw bad(prefix + "action", rule.action(), "is neither suspend nor throttle");
        };
        Optional<Rate> rate = rate(prefix + "max-message-rate", rule.maxMessageRate());
        if (action == ReplyRule.Action.THROTTLE && rate.isEmpty()) {
            throw new IllegalArgumentException(prefix + "max-message-rate is required for action throttle");
        }
        if (rule.duration().isNegative() || rule.duration().isZero()) throw bad(prefix + "duration", rule.duration().toString(), "is not positive");
        Optional<Integer> connections = rule.maxConnections().map(n -> positive(prefix + "max-connections", n));
        return new ReplyRule(index, new SiteMatch(rule.match()), reply, action, rule.duration(), rate, connections);
    }

    /** The egress sources by name; each address must be one of this machine's. */
    static Map<String, EgressSource> sources(PostloomConfig config, String hostname) {
        Map<String, EgressSource> out = new LinkedHashMap<>();
        config.egress().sources().forEach((key, source) -> {
            String name = MapKeys.unquote(key);
            String setting = "postloom.egress.sources.\"" + name + "\".address";
            InetAddress address;
            try {
                address = InetAddress.ofLiteral(source.address().strip());
            } catch (IllegalArgumentException e) {
                throw bad(setting, source.address(), "is not an IP address");
            }
            if (!isLocal(address)) throw bad(setting, source.address(), "is not an address of this machine");
            out.put(name, new EgressSource(name, Optional.of(address), source.ehlo().filter(e -> !e.isBlank()).orElse(hostname)));
        });
        return out;
    }

    /** An address is ours when a socket can bind to it (all of 127.0.0.0/8 is, on Linux). */
    private static boolean isLocal(InetAddress address) {
        try (Socket probe = new Socket()) {
            probe.bind(new InetSocketAddress(address, 0));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static EgressPools pools(PostloomConfig config, Map<String, EgressSource> sources,
                             Function<Envelope, Optional<String>> tenantPool) {
        PostloomConfig.Egress egress = config.egress();
        Map<String, List<EgressPools.Member>> pools = new HashMap<>();
        egress.pools().forEach((key, members) -> {
            String name = MapKeys.unquote(key);
            pools.put(name, members("postloom.egress.pools.\"" + name + "\"", members, sources));
        });
        config.tenants().forEach((key, tenant) -> tenant.pool().filter(p -> !p.isBlank()).ifPresent(p ->
                known("postloom.tenants." + (key.startsWith("\"") ? key : "\"" + key + "\"") + ".pool", p.strip(), pools)));
        Optional<String> defaultPool = egress.defaultPool().filter(p -> !p.isBlank()).map(String::strip);
        defaultPool.ifPresent(p -> known("postloom.egress.default-pool", p, pools));
        Map<String, String> senderDomains = new HashMap<>();
        egress.senderDomains().forEach((key, pool) -> {
            String domain = MapKeys.unquote(key);
            senderDomains.put(domain, known("postloom.egress.sender-domains.\"" + domain + "\"", pool.strip(), pools));
        });
        return new EgressPools(pools, senderDomains, defaultPool, tenantPool);
    }

    /** {@code postloom.tenants."<name>".pool}: the pool of a tenant's mail, by the envelope's tenant. */
    static Function<Envelope, Optional<String>> tenantPools(PostloomConfig config) {
        Map<String, String> byTenant = new HashMap<>();
        config.tenants().forEach((key, tenant) -> tenant.pool().filter(p -> !p.isBlank())
                .ifPresent(p -> byTenant.put(MapKeys.unquote(key), p.strip())));
        return envelope -> Optional.ofNullable(byTenant.get(envelope.tenant()));
    }

    private static List<EgressPools.Member> members(String setting, String text, Map<String, EgressSource> sources) {
        List<EgressPools.Member> members = new ArrayList<>();
        for (String part : text.split(",")) {
            String[] nameAndWeight = part.strip().split(":", -1);
            String name = nameAndWeight[0].strip();
            if (!sources.containsKey(name)) throw bad(setting, text, "names unknown source '" + name + "'");
            int weight = 1;
            if (nameAndWeight.length > 1) {
                try {
                    weight = Integer.parseInt(nameAndWeight[1].strip());
                } catch (NumberFormatException e) {
                    weight = 0;
                }
            }
            if (nameAndWeight.length > 2 || weight < 1) throw bad(setting, text, "has a bad weight in '" + part.strip() + "'");
            members.add(new EgressPools.Member(name, weight));
        }
        return members;
    }

    private static String known(String setting, String pool, Map<String, List<EgressPools.Member>> pools) {
        if (!pools.containsKey(pool)) throw bad(setting, pool, "names no pool in postloom.egress.pools");
        return pool;
    }

    /** The one reading of a rate setting (shaping, sources, rules, tenants); empty when blank. */
    static Optional<Rate> rate(String setting, Optional<String> text) {
        return text.filter(t -> !t.isBlank()).map(t -> {
            try {
                return Rate.parse(t);
            } catch (IllegalArgumentException e) {
                throw bad(setting, t, "is not a rate (N/s, N/min or N/h)");
            }
        });
    }

    private static int positive(String setting, int value) {
        if (value < 1) throw bad(setting, Integer.toString(value), "must be at least 1");
        return value;
    }

    private static IllegalArgumentException bad(String setting, String value, String why) {
        return new IllegalArgumentException(setting + "=" + value + ": " + why);
    }
}
