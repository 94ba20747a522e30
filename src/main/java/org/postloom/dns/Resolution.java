package org.postloom.dns;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Where mail for one domain goes, as the delivery engine needs it: hosts to try, or why there are
 * none and whether waiting could help.
 */
public sealed interface Resolution {

    /**
     * The mail hosts in the order to try them: MX preference ascending, random among equal
     * preference (RFC 5321 section 5.1). Never empty; every host has at least one address.
     * {@code mxTtl} is how long the MX answer that named them holds (the smallest TTL of its
     * records, RFC 2181 5.2); empty when the hosts came from no MX record (implicit MX).
     */
    record Hosts(List<MailHost> hosts, Optional<Duration> mxTtl) implements Resolution {
        public Hosts {
            hosts = List.copyOf(hosts);
            if (hosts.isEmpty()) {
                throw new IllegalArgumentException("Hosts needs at least one mail host");
            }
        }

        /** Hosts of no known MX TTL. */
        public Hosts(List<MailHost> hosts) {
            this(hosts, Optional.empty());
        }

        Hosts withMxTtl(Duration ttl) {
            return new Hosts(hosts, Optional.of(ttl));
        }
    }

    /** The domain publishes a null MX: it accepts no mail, ever (RFC 7505; fail with 5.1.10). */
    record NullMx() implements Resolution {}

    /**
     * The domain does not exist (NXDOMAIN), the name cannot be a DNS name at all (not convertible
     * to A-labels), or every one of its MX hosts is NXDOMAIN: fail with 5.1.2.
     */
    record NoSuchDomain() implements Resolution {}

    /** SERVFAIL, a time-out, a network error, or no mail host with an address: retry later. */
    record TemporaryFailure(String reason) implements Resolution {}
}
