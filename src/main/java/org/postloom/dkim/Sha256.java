package org.postloom.dkim;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** SHA-256, the only hash of both signing algorithms (RFC 6376 3.3, RFC 8463 3). */
final class Sha256 {

    private Sha256() {
    }

    static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
