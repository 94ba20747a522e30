package org.postloom.dkim;

/** The signing algorithms, by their {@code a=} names. */
public enum Algorithm {

    /** RFC 6376 3.3.1: RSASSA-PKCS1-v1_5 over SHA-256 of the signed data. */
    RSA_SHA256("rsa-sha256"),
    /** RFC 8463 3: PureEdDSA (Ed25519) over the SHA-256 hash of the signed data, not the data. */
    ED25519_SHA256("ed25519-sha256");

    private final String tagName;

    Algorithm(String tagName) {
        this.tagName = tagName;
    }

    public String tagName() {
        return tagName;
    }
}
