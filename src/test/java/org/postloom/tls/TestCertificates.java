package org.postloom.tls;

import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;

/** Certificates with their keys, of the kinds operators bring, made fresh for each test (keys alone: testing.TestKeys). */
final class TestCertificates {

    private TestCertificates() {
    }

    static KeyMaterial rsa(String hostname) throws GeneralSecurityException {
        var generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return SelfSignedCertificate.sign(hostname, generator.generateKeyPair(), "SHA256withRSA");
    }

    static KeyMaterial ec(String hostname) {
        return SelfSignedCertificate.generate(hostname);
    }
}
