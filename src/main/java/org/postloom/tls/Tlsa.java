package org.postloom.tls;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;

/**
 * One TLSA record (RFC 6698 2.1) and how it matches a certificate (RFC 6698 2.1.2-2.1.3, RFC 7218
 * names). Usages PKIX-TA(0) and PKIX-EE(1) are unusable for SMTP (RFC 7672 3.1.3); so are
 * selectors and matching types other than those RFC 6698 defines.
 */
public record Tlsa(int usage, int selector, int matchingType, byte[] data) {

    public static final int DANE_TA = 2;
    public static final int DANE_EE = 3;

    /** RFC 7672 3.1.3 and 2.2: only DANE-TA(2) and DANE-EE(3) with known selector and matching type. */
    public boolean usable() {
        return (usage == DANE_TA || usage == DANE_EE) && (selector == 0 || selector == 1)
                && matchingType >= 0 && matchingType <= 2 && (matchingType != 0 || data.length > 0);
    }

    /** Whether {@code certificate} is the one this record names. */
    public boolean matches(X509Certificate certificate) {
        try {
            byte[] selected = selector == 0 ? certificate.getEncoded() : certificate.getPublicKey().getEncoded();
            byte[] digest = switch (matchingType) {
                case 0 -> selected;
                case 1 -> MessageDigest.getInstance("SHA-256").digest(selected);
                case 2 -> MessageDigest.getInstance("SHA-512").digest(selected);
                default -> null;
            };
            return digest != null && MessageDigest.isEqual(digest, data);
        } catch (CertificateEncodingException | NoSuchAlgorithmException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return usage + " " + selector + " " + matchingType + " " + HexFormat.of().formatHex(data);
    }
}
