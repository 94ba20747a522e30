package org.postloom.dns;

import java.net.InetAddress;
import java.util.List;
import java.util.Objects;

/**
 * One mail exchanger: its DNS name (A-labels, no trailing dot), its MX preference (0 for an
 * implicit MX) and its addresses, IPv4 (A) before IPv6 (AAAA) because IPv4 is what most receiving
 * MTAs still reach best; each family in the order DNS gave it.
 */
public record MailHost(String name, int preference, List<InetAddress> addresses) {
    public MailHost {
        Objects.requireNonNull(name, "name");
        addresses = List.copyOf(addresses);
    }
}
