package org.postloom.dkim;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;

/** The signing algorithms, by their {@code a=} names. */
public enum Algorithm {

    /** RFC 6376 3.3.1: RSASSA-PKCS1-v1_5 over SHA-256 of the signed data. */
    RSA_SHA256("rsa-sha256", "SHA256withRSA"),
    /** RFC 8463 3: PureEdDSA (Ed25519) over the SHA-256 hash of the signed data, not the data. */
    ED25519_SHA256("ed25519-sha256", "Ed25519");

    private final String tagName;
    private final String jcaName;

    Algorithm(String tagName, String jcaName) {
        this.tagName = tagName;
        this.jcaName = jcaName;
    }

    public String tagName() {
        return tagName;
    }

    /** The signature over {@code data} (the canonical headers, RFC 6376 3.7). */
    byte[] sign(PrivateKey key, byte[] data) throws GeneralSecurityException {
        Signature signature = Signature.getInstance(jcaName);
        signature.initSign(key);
        signature.update(this == ED25519_SHA256 ? Sha256.digest().digest(data) : data);
        return signature.sign();
    }
}
