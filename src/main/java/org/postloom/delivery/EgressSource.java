package org.postloom.delivery;

import java.net.InetAddress;
import java.util.Optional;

/**
 * A local address outbound connections bind to, and the name they give in EHLO
 * ({@code postloom.egress.sources."<name>"}).
 *
 * @param name    {@code ""} for no source: the system picks the address, EHLO is {@code postloom.hostname}
 * @param address empty to let the system choose
 */
public record EgressSource(String name, Optional<InetAddress> address, String ehlo) {

    public static EgressSource none(String hostname) {
        return new EgressSource("", Optional.empty(), hostname);
    }
}
