package org.postloom.dns;

import java.util.List;

/**
 * Where mail for one domain goes, as the delivery engine needs it: hosts to try, or why there are
 * none and whether waiting could help.
 */
public sealed interface Resolution {

    /**
     * The mail hosts in the order to try them: MX preference ascending, random among equal
     * preference (RFC 5321 section 5.1). Never empty; every host has at least one address.
     */
    record Hosts(List<MailHost> hosts) implements Resolution {
        public Hosts {
            hosts = List.copyOf(hosts);
            if (hosts.isEmpty()) {
                throw new IllegalArgumentException("Hosts needs at least one mail host");
            }
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
