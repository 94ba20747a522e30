package org.postloom.tls;

/** Host name rules shared by certificates and SNI. */
final class HostNames {

    private HostNames() {
    }

    /** An IPv4 or IPv6 literal, which belongs in an iPAddress name and never in SNI (RFC 6066). */
    static boolean isAddressLiteral(String name) {
        return name.contains(":") || name.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
    }

    /** DNS names from MX records may end in a dot; certificates and SNI never do. */
    static String withoutTrailingDot(String name) {
        return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    }
}
