package org.postloom.tls;

/** Which policy decided how a connection to an MX host is protected; the word is what logs show. */
public enum TlsPolicyKind {
    /** TLSA records under DNSSEC (RFC 7672): TLS mandatory, the certificate matched to the records. */
    DANE("dane"),
    /** An MTA-STS policy of the recipient domain (RFC 8461), in enforce or testing mode. */
    MTA_STS("mta-sts"),
    /** A domain in {@code postloom.delivery.require-verified-tls}: WebPKI certificate for the MX name. */
    VERIFY("verify"),
    /** No policy: TLS when offered, any certificate (RFC 7435). */
    OPPORTUNISTIC("opportunistic"),
    /** TLS switched off for the destination. */
    NONE("none");

    private final String word;

    TlsPolicyKind(String word) {
        this.word = word;
    }

    /** {@code dane}, {@code mta-sts}, {@code verify}, {@code opportunistic} or {@code none}. */
    public String word() {
        return word;
    }
}
