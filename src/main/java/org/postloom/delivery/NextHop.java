package org.postloom.delivery;

import org.postloom.delivery.schedule.Target;

/**
 * Where a recipient's mail goes next: the mail exchangers of its domain (RFC 5321 5.1), or a
 * fixed host from {@code postloom.routes}. Domains whose MX sets are equal share one site in the
 * schedule; a fixed host is a site of its own.
 */
public sealed interface NextHop {

    Target target();

    /** The next hop a target names (the inverse of {@link #target()}). */
    static NextHop of(Target target) {
        if (target.viaMx()) return new Mx(target.name());
        int colon = target.name().lastIndexOf(':');
        return new Fixed(target.name().substring(0, colon), Integer.parseInt(target.name().substring(colon + 1)));
    }

    /** Look up the domain's MX records. */
    record Mx(String domain) implements NextHop {
        @Override
        public Target target() {
            return new Target(domain, true);
        }

        @Override
        public String toString() {
            return domain;
        }
    }

    /** A fixed host, like a transport map entry or a smarthost; its site is {@code host:port}. */
    record Fixed(String host, int port) implements NextHop {
        @Override
        public Target target() {
            return new Target(host + ":" + port, false);
        }

        @Override
        public String toString() {
            return "[" + host + "]:" + port;
        }
    }
}
