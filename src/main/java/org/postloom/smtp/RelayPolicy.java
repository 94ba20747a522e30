package org.postloom.smtp;

import java.net.InetAddress;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Who may relay where: clients inside {@code networks} may send to any domain; anyone else only
 * to the {@code domains} this relay accepts mail for. Without this an MTA is an open relay.
 */
public record RelayPolicy(List<Cidr> networks, Set<String> domains) {

    public RelayPolicy {
        networks = List.copyOf(networks);
        domains = domains.stream().map(d -> d.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
    }

    public static RelayPolicy of(List<String> networks, List<String> domains) {
        return new RelayPolicy(networks.stream().filter(s -> !s.isBlank()).map(Cidr::parse).toList(),
                Set.copyOf(domains.stream().filter(s -> !s.isBlank()).map(String::strip).toList()));
    }

    public boolean isTrusted(InetAddress client) {
        return networks.stream().anyMatch(n -> n.contains(client));
    }

    public boolean acceptsDomain(String domain) {
        return domains.contains(domain.toLowerCase(Locale.ROOT));
    }
}
