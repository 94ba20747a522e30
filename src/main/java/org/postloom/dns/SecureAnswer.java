package org.postloom.dns;

import java.util.List;
import org.xbill.DNS.Record;

/**
 * One DNS answer as a TLS policy needs it: the records, and whether the resolver vouched for them
 * with the AD bit (RFC 4035 3.2.3). Only a local validating resolver's AD bit means anything: like
 * Postfix's {@code smtp_dns_support_level = dnssec}, Postloom trusts the resolvers it is given.
 */
public sealed interface SecureAnswer {

    /** Whether the answer was DNSSEC-validated; a failure never is. */
    boolean authenticated();

    /** Records of the type asked (empty: NODATA), with the AD bit as the resolver set it. */
    record Records(List<Record> records, boolean authenticated) implements SecureAnswer {
        public Records {
            records = List.copyOf(records);
        }
    }

    /** NXDOMAIN; authenticated when a validator proved the denial (RFC 4035 5.4). */
    record NoSuchName(boolean authenticated) implements SecureAnswer {}

    /**
     * SERVFAIL (a validating resolver's answer to bogus data, RFC 4035 5.5), a time-out or a network
     * error: nothing is known, and a policy that depends on it must wait.
     */
    record Failed(String reason) implements SecureAnswer {
        @Override
        public boolean authenticated() {
            return false;
        }
    }

    /** The records, or none for NXDOMAIN and failures. */
    default List<Record> recordsOrEmpty() {
        return this instanceof Records r ? r.records() : List.of();
    }
}
