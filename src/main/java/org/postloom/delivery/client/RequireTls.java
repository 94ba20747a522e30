package org.postloom.delivery.client;

import java.util.Optional;

/**
 * RFC 8689 4.2.1: the one predicate that says whether a connection may carry a message sent with
 * REQUIRETLS: TLS, a server whose identity was checked ({@link OutboundConnection#serverAuthenticated}),
 * and REQUIRETLS offered in the EHLO reply inside TLS, so that the next hop keeps the promise.
 */
public final class RequireTls {

    private RequireTls() {}

    /** Why {@code connection} may not carry a REQUIRETLS message, or empty when it may. */
    public static Optional<String> unmetBy(OutboundConnection connection) {
        if (connection.tlsDescription().isEmpty()) return Optional.of("the connection to the next hop is not encrypted");
        if (!connection.serverAuthenticated()) return Optional.of("the next hop's identity is not authenticated");
        if (!connection.capabilities().requireTls()) return Optional.of("the next hop does not offer REQUIRETLS");
        return Optional.empty();
    }
}
