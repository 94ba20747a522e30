package org.postloom.dkim;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads a DKIM private key from a PEM file: PKCS#8 ("PRIVATE KEY", RSA or Ed25519) or OpenSSL's
 * "RSA PRIVATE KEY". The key becomes a JDK key, so signing uses the JDK's own providers.
 */
final class KeyFile {

    /** RFC 8301 3.2 allows 1024 bits and asks for 2048; mailbox providers now distrust 1024. */
    static final int MIN_RSA_BITS = 2048;

    private KeyFile() {
    }

    /** The key and the algorithm it signs with; a {@link DkimKeyException} names the file otherwise. */
    static SigningKey read(Path file, String selector) {
        PrivateKeyInfo info = privateKeyInfo(file);
        ASN1ObjectIdentifier oid = info.getPrivateKeyAlgorithm().getAlgorithm();
        if (PKCSObjectIdentifiers.rsaEncryption.equals(oid)) {
            var key = (RSAPrivateKey) convert(file, "RSA", info);
            int bits = key.getModulus().bitLength();
            if (bits < MIN_RSA_BITS) {
                throw new DkimKeyException(file, "RSA key of " + bits + " bits; DKIM needs at least "
                        + MIN_RSA_BITS + " (RFC 8301)");
            }
            return SigningKey.rsa(selector, key);
        }
        if (EdECObjectIdentifiers.id_Ed25519.equals(oid)) {
            return SigningKey.ed25519(selector, ed25519Seed(file, info));
        }
        throw new DkimKeyException(file, "key algorithm " + oid + " cannot sign DKIM; give an RSA or Ed25519 key");
    }

    private static PrivateKeyInfo privateKeyInfo(Path file) {
        try (var parser = new PEMParser(open(file))) {
            for (Object item; (item = parser.readObject()) != null; ) {
                switch (item) {
                    case PrivateKeyInfo pkcs8 -> {
                        return pkcs8;
                    }
                    case PEMKeyPair traditional -> {
                        return traditional.getPrivateKeyInfo();
                    }
                    case PKCS8EncryptedPrivateKeyInfo _, PEMEncryptedKeyPair _ ->
                        throw new DkimKeyException(file, "the private key is encrypted; give an unencrypted key");
                    default -> {
                        // certificates or parameters may share the file
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof DkimKeyException known) throw known;
            throw new DkimKeyException(file, "not a readable PEM private key: " + e.getMessage(), e);
        }
        throw new DkimKeyException(file, "no PEM private key (-----BEGIN PRIVATE KEY-----) found");
    }

    /** RFC 8410 7: the PKCS#8 private key of Ed25519 is an OCTET STRING holding the 32-byte seed. */
    private static byte[] ed25519Seed(Path file, PrivateKeyInfo info) {
        try {
            byte[] seed = ASN1OctetString.getInstance(info.parsePrivateKey()).getOctets();
            if (seed.length != 32) throw new IOException("Ed25519 private key of " + seed.length + " octets, not 32");
            return seed;
        } catch (IOException | RuntimeException e) {
            throw new DkimKeyException(file, "not a usable Ed25519 key: " + e.getMessage(), e);
        }
    }

    private static PrivateKey convert(Path file, String algorithm, PrivateKeyInfo info) {
        try {
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(info.getEncoded()));
        } catch (GeneralSecurityException | IOException e) {
            throw new DkimKeyException(file, "not a usable " + algorithm + " key: " + e.getMessage(), e);
        }
    }

    private static Reader open(Path file) {
        try {
            // Latin-1 never fails to decode: binary garbage then reads as "no PEM found".
            return Files.newBufferedReader(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new DkimKeyException(file, "cannot read: " + e, e);
        }
    }
}
