package org.postloom.dkim;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** SHA-256, the only hash of both signing algorithms (RFC 6376 3.3, RFC 8463 3). */
final class Sha256 {

    private Sha256() {
    }

    /**
     * Cloned for each digest rather than looked up: the provider lookup was 0.8-1.3 % of the Java
     * samples of the bench's features cell (bench/results/features-split/README.md), two per message.
     */
    private static final MessageDigest PROTOTYPE = lookUp();

    static MessageDigest digest() {
        try {
            return (MessageDigest) PROTOTYPE.clone();
        } catch (CloneNotSupportedException e) {
            return lookUp(); // a provider whose digest cannot be cloned: look it up each time
        }
    }

    private static MessageDigest lookUp() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
