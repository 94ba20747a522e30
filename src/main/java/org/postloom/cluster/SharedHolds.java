package org.postloom.cluster;

import io.lettuce.core.ScriptOutputType;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.postloom.delivery.schedule.Rate;
import org.postloom.delivery.schedule.SharedLimits.Hold;
import org.postloom.delivery.schedule.SharedLimits.Throttle;

/**
 * Holds told to every node: rules' suspensions and throttles, operators' suspensions. A hold is
 * published at once to the nodes that listen (pub/sub), and stored as a key that expires when the
 * hold ends, so that a node that starts, or reconnects after Redis was away, reads the holds
 * still in effect ({@link #sync}). Each distinct hold reaches this node's listeners once.
 */
final class SharedHolds {

    private static final System.Logger LOG = System.getLogger("org.postloom.cluster");
    static final String CHANNEL = RedisLimits.PREFIX + "holds";
    private static final String INDEX = RedisLimits.PREFIX + "holds:keys";
    private static final String KEY = RedisLimits.PREFIX + "hold:";
    private static final String NONE = "-";

    private final ClusterContext cluster;
    private final Clock clock;
    private final List<Consumer<Hold>> listeners = new CopyOnWriteArrayList<>();
    /** The holds in effect here (set here or heard of), by key: none is applied twice. */
    private final Map<String, Hold> known = new ConcurrentHashMap<>();
    /**
     * When each site's holds were last lifted here: a reading of Redis asked for before that may
     * predate the lift, and must not bring a lifted hold back (a new hold comes by pub/sub, or in
     * the next reading).
     */
    private final Map<String, Instant> lifted = new ConcurrentHashMap<>();

    SharedHolds(ClusterContext cluster, Clock clock) {
        this.cluster = cluster;
        this.clock = clock;
    }

    /** From now on, and those heard of already (Redis may answer before the schedule listens). */
    void onHold(Consumer<Hold> listener) {
        listeners.add(listener);
        Instant now = clock.instant();
        known.values().stream().filter(hold -> hold.until().isAfter(now)).forEach(listener);
    }

    void announce(Hold hold) {
        String text = text(cluster.node(), hold);
        cluster.link().publish(CHANNEL, text);
        if (lifts(hold)) {
            forget(hold.site());
            cluster.link().eval(Scripts.LIFT, ScriptOutputType.INTEGER, INDEX, KEY, hold.site());
        } else {
            known.put(key(hold), hold);
            cluster.link().eval(Scripts.HOLD, ScriptOutputType.INTEGER, INDEX, key(hold), text,
                    Long.toString(hold.until().toEpochMilli()));
        }
    }

    /** A hold from pub/sub; this node's own are skipped (applied when set). */
    void heard(String message) {
        String[] f = message.split("\t", -1);
        if (f.length == 6 && f[0].equals(cluster.node())) return;
        apply(f, message, "pub/sub", Instant.MAX);
    }

    /** Reads the holds stored in Redis and applies those not applied here yet (at start, on reconnect, now and then). */
    void sync() {
        Instant asked = clock.instant();
        known.values().removeIf(hold -> hold.until().isBefore(asked));
        lifted.values().removeIf(at -> at.isBefore(asked.minusSeconds(60)));
        cluster.link().<List<String>>eval(Scripts.HOLDS, ScriptOutputType.MULTI, INDEX)
                .thenAccept(stored -> stored.forEach(text -> apply(text.split("\t", -1), text, "redis", asked)));
    }

    /** @param asked when the reading of Redis that brought it was asked for ({@link Instant#MAX}: pub/sub) */
    private void apply(String[] f, String text, String via, Instant asked) {
        Hold hold;
        try {
            if (f.length != 6) throw new IllegalArgumentException("not 6 fields");
            hold = new Hold(f[1], f[2].equals("*") ? null : f[2], f[3].equals(NONE) ? Instant.MIN : Instant.parse(f[3]),
                    f[4].equals(NONE) ? Optional.empty() : Optional.of(new Throttle(Rate.parse(f[4]),
                            f[5].equals(NONE) ? Optional.empty() : Optional.of(Integer.parseInt(f[5])))));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cluster-hold unreadable via=" + via + " hold=\"" + text.replace('"', '\'') + "\"");
            return;
        }
        if (lifts(hold)) {
            forget(hold.site());
        } else if (!hold.until().isAfter(clock.instant()) || !lifted.getOrDefault(hold.site(), Instant.MIN).isBefore(asked)
                || hold.equals(known.put(key(hold), hold))) {
            return;
        }
        LOG.log(System.Logger.Level.INFO, "cluster-hold via=" + via + " from=" + f[0] + " site=" + hold.site() + " source="
                + f[2] + " until=" + f[3] + " throttle=" + f[4] + " connections=" + f[5]);
        listeners.forEach(l -> l.accept(hold));
        cluster.wake();
    }

    private void forget(String site) {
        lifted.put(site, clock.instant());
        known.keySet().removeIf(key -> key.startsWith(KEY + site + "\t"));
    }

    private static boolean lifts(Hold hold) {
        return hold.until().equals(Instant.MIN);
    }

    /** One key per site, source (or {@code *}) and kind: a path may be suspended and throttled at once. */
    private static String key(Hold hold) {
        return KEY + hold.site() + "\t" + (hold.source() == null ? "*" : hold.source()) + "\t"
                + (hold.throttle().isPresent() ? "throttle" : "suspend");
    }

    /** node, site, source or {@code *}, until, throttle rate, throttle connections ({@code -}: none); tab-separated. */
    private static String text(String node, Hold hold) {
        return String.join("\t", node, hold.site(), hold.source() == null ? "*" : hold.source(),
                lifts(hold) ? NONE : hold.until().toString(), hold.throttle().map(t -> t.rate().toString()).orElse(NONE),
                hold.throttle().flatMap(Throttle::connections).map(String::valueOf).orElse(NONE));
    }
}
