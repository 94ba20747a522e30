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
     * further ahead than that), and {@code 1} for all or none (a tenant's request). Returns {when
     * the next free slot is, then each slot's time}, in µs since the epoch by Redis's clock: a node
     * spends a slot at that instant by its own (NTP-set) clock, however late the answer reached it,
     * so three nodes' slots never overlap. All or none, and not all within the horizon: takes none
     * and returns {when the last of them would be}.
     */
    static final String RESERVE = """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
            local interval, tolerance = tonumber(ARGV[1]), tonumber(ARGV[2])
            local want, horizon = tonumber(ARGV[3]), tonumber(ARGV[4])
            local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
            local last = math.max(math.max(tat, now) + (want - 1) * interval - tolerance, now)
            if ARGV[5] == '1' and last > now + horizon then return {last} end
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

    /**
     * Gives back {@code ARGV[2]} slots of the GCRA in KEYS[1] that a request reserved but did not
     * use; ARGV[1]: interval µs. A bucket already full stays as it is.
     */
    static final String GIVE_BACK = """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
            local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
            if tat <= now then return 0 end
            tat = math.max(tat - tonumber(ARGV[1]) * tonumber(ARGV[2]), now)
            redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.floor((tat - now) / 1000) + 1000)
            return 1
            """;

    /**
     * Stores a hold as its own key expiring when the hold ends (so a node that starts or
     * reconnects later still finds it), listed in the set KEYS[1]. ARGV: the hold's key, the hold
     * as text, its end in ms since the epoch.
     */
    static final String HOLD = """
            redis.call('SET', ARGV[1], ARGV[2], 'PXAT', ARGV[3])
            redis.call('SADD', KEYS[1], ARGV[1])
            return 1
            """;

    /**
     * Lifts every stored hold of the sites named in ARGV (an operator's resume). KEYS[1]: the set
     * of hold keys; ARGV[1]: the keys' prefix; ARGV[2..]: site names. Returns how many were lifted.
     */
    static final String LIFT = """
            local lifted = 0
            for _, key in ipairs(redis.call('SMEMBERS', KEYS[1])) do
              for i = 2, #ARGV do
                local site = ARGV[1] .. ARGV[i] .. '\t'
                if string.sub(key, 1, #site) == site then
                  lifted = lifted + redis.call('DEL', key)
                  redis.call('SREM', KEYS[1], key)
                end
              end
            end
            return lifted
            """;

    /** Every live hold's text; keys that expired leave the set KEYS[1]. */
    static final String HOLDS = """
            local out = {}
            for _, key in ipairs(redis.call('SMEMBERS', KEYS[1])) do
              local hold = redis.call('GET', key)
              if hold then out[#out + 1] = hold else redis.call('SREM', KEYS[1], key) end
            end
            return out
            """;
}
