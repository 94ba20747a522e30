package org.postloom.delivery;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.postloom.config.HostPort;
import org.postloom.config.MapKeys;

/**
 * Picks the next hop for a recipient domain: a static route for the domain, else the smarthost
 * ({@code postloom.routes."*"}), else the domain's MX records.
 */
public final class Router {

    private final Map<String, NextHop> routes = new HashMap<>();
    private final NextHop smarthost;

    /** @param routes domain (or {@code *}) to {@code host:port} */
    public Router(Map<String, String> routes) {
        NextHop star = null;
        for (var route : routes.entrySet()) {
            var address = HostPort.parse(route.getValue());
            NextHop hop = new NextHop.Fixed(address.getHostString(), address.getPort());
            String domain = MapKeys.unquote(route.getKey());
            if (domain.equals("*")) star = hop;
            else this.routes.put(domain.toLowerCase(Locale.ROOT), hop);
        }
        this.smarthost = star;
    }

    public NextHop route(String domain) {
        String key = domain.toLowerCase(Locale.ROOT);
        NextHop hop = routes.get(key);
        if (hop != null) return hop;
        return smarthost != null ? smarthost : new NextHop.Mx(key);
    }

}
