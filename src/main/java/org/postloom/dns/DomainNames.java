package org.postloom.dns;

import java.net.IDN;
import java.util.Optional;
import org.xbill.DNS.Name;
import org.xbill.DNS.TextParseException;

/** Turns a mail domain as written in an address into the absolute DNS name to ask about. */
final class DomainNames {

    private DomainNames() {}

    /**
     * A domain from SMTPUTF8 mail may be a U-label (RFC 6531 section 3.2); DNS needs A-labels
     * (RFC 5890). {@link IDN} implements IDNA2003, which maps the few characters where it and
     * IDNA2008 differ (such as ß) instead of rejecting them; good enough to find the domain.
     * STD3 rules hold because a mail domain is a host name (RFC 5321 section 4.1.2). Empty when
     * the text cannot be a DNS name at all.
     */
    static Optional<Name> toAbsoluteName(String domain) {
        String withoutRoot = domain.endsWith(".") ? domain.substring(0, domain.length() - 1) : domain;
        if (withoutRoot.isEmpty()) {
            return Optional.empty();
        }
        try {
            String ascii = IDN.toASCII(withoutRoot, IDN.USE_STD3_ASCII_RULES);
            return Optional.of(Name.fromString(ascii, Name.root));
        } catch (IllegalArgumentException | TextParseException e) {
            return Optional.empty();
        }
    }
}
