package org.postloom.delivery;

/**
 * Where a recipient's mail goes next: the mail exchangers of its domain (RFC 5321 5.1), or a
 * fixed host from {@code postloom.routes}. Next hops are the scheduler's destinations: the unit
 * of queueing, concurrency and back-off.
 */
public sealed interface NextHop {

    /** Look up the domain's MX records. */
    record Mx(String domain) implements NextHop {
        @Override
        public String toString() {
            return domain;
        }
    }

    /** A fixed host, like a transport map entry or a smarthost. */
    record Fixed(String host, int port) implements NextHop {
        @Override
        public String toString() {
            return "[" + host + "]:" + port;
        }
    }
}
