package org.postloom.inject;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Who is sending: a bearer token names a tenant, and the admin token the tenant {@code default}.
 * With no token configured at all, requests from loopback are tenant {@code default} (CONTRACT.md 4).
 */
public final class Tenants {

    private final Map<String, Tenant> byName = new LinkedHashMap<>();
    private final Optional<byte[]> adminToken;

    public Tenants(List<Tenant> tenants, Optional<String> adminToken) {
        tenants.forEach(t -> byName.put(t.name(), t));
        this.adminToken = adminToken.filter(t -> !t.isBlank()).map(t -> t.getBytes(StandardCharsets.UTF_8));
    }

    /** The configured tenants' names: the only ones that label metrics. */
    public List<String> names() {
        return List.copyOf(byName.keySet());
    }

    /** The tenant of a request; 401 when its token is missing or matches none. */
    Tenant authenticate(Optional<String> authorization, InetAddress client) throws Refusal {
        boolean anyToken = adminToken.isPresent() || byName.values().stream().anyMatch(t -> t.token().isPresent());
        if (!anyToken) {
            if (client.isLoopbackAddress()) return tenant(Tenant.DEFAULT);
            throw Refusal.unauthorized("Authorization: no token is configured, so only loopback may send");
        }
        String header = authorization.orElseThrow(() -> Refusal.unauthorized("Authorization: a Bearer token is required"));
        if (!header.startsWith("Bearer ")) throw Refusal.unauthorized("Authorization: must be \"Bearer <token>\"");
        byte[] given = header.substring(7).strip().getBytes(StandardCharsets.UTF_8);
        Tenant found = null;
        for (Tenant t : byName.values()) { // every one compared, in constant time: no early exit to time
            if (t.token().isPresent() && MessageDigest.isEqual(t.token().get().getBytes(StandardCharsets.UTF_8), given)) {
                found = t;
            }
        }
        if (found == null && adminToken.isPresent() && MessageDigest.isEqual(adminToken.get(), given)) {
            found = tenant(Tenant.DEFAULT);
        }
        if (found == null) throw Refusal.unauthorized("Authorization: the token is not one of a tenant or the admin");
        return found;
    }

    private Tenant tenant(String name) {
        return byName.getOrDefault(name, Tenant.unrestricted(name));
    }
}
