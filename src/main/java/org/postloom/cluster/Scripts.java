package org.postloom.cluster;

/**
 * The Lua scripts that make each shared decision one atomic round trip (Redis runs a script alone,
 * EVAL). Time is Redis's own ({@code TIME}, allowed in scripts since Redis 5's effects
 * replication): leases expire by it, and rate slots are instants of it.
 */
final class Scripts {

    private Scripts() {
    }

    /**
     * A lease on one of a path's connections. KEYS[1]: the path's sorted set of leases, member =
     * lease, score = when it expires (ms); ARGV: lease, max, ttl ms. Expired leases (a dead
     * node's) are dropped first. Returns {granted 0/1, leases now}.
     */
    static final String ACQUIRE = """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
            local n = redis.call('ZCARD', KEYS[1])
            if n >= tonumber(ARGV[2]) then return {0, n} end
            redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
            redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
            return {1, n + 1}
            """;

    /**
     * Renews this node's leases on a path, adding those it lost while Redis was away (its
     * connections are open all the same). KEYS[1]: the path's set; ARGV: ttl ms, leases...
     * Returns the leases now.
     */
    static final String RENEW = """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local ttl = tonumber(ARGV[1])
            for i = 2, #ARGV do redis.call('ZADD', KEYS[1], now + ttl, ARGV[i]) end
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
            if #ARGV > 1 then redis.call('PEXPIRE', KEYS[1], ttl) end
            return redis.call('ZCARD', KEYS[1])
            """;

    /**
     * Reserves up to ARGV[3] slots of a GCRA (ITU-T I.371) kept as one theoretical arrival time
     * (µs) in KEYS[1]; ARGV: interval µs, tolerance µs, slots wanted, horizon µs (no slot
     * further ahead than that). Returns {when the next free slot is, then each slot's time}, in µs
     * since the epoch by Redis's clock: a node spends a slot at that instant by its own (NTP-set)
     * clock, however late the answer reached it, so three nodes' slots never overlap.
     */
    static final String RESERVE = """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
            local interval, tolerance = tonumber(ARGV[1]), tonumber(ARGV[2])
            local want, horizon = tonumber(ARGV[3]), tonumber(ARGV[4])
            local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
            local out = {0}
            for i = 1, want do
              local at = math.max(tat - tolerance, now)
              if at > now + horizon then break end
              out[#out + 1] = at
              tat = math.max(tat, at) + interval
            end
            out[1] = math.max(tat - tolerance, now)
            local idle = math.max(tat - now, 0)
            redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.floor(idle / 1000) + 1000)
            return out
            """;
}
