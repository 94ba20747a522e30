package org.postloom.dkim;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Arrays;
import java.util.Base64;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;

/** Key pairs for tests, their PEM files, and the DNS TXT records that publish them (RFC 6376 3.6.1). */
public final class TestKeys {

    private TestKeys() {
    }

    public static KeyPair rsa(int bits) throws GeneralSecurityException {
        var generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(bits);
        return generator.generateKeyPair();
    }

    public static KeyPair ed25519() throws GeneralSecurityException {
        return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    }

    /** PKCS#8, "BEGIN PRIVATE KEY". */
    public static Path pkcs8(Path dir, String name, KeyPair pair) throws IOException {
        return pem(dir.resolve(name), "PRIVATE KEY", pair.getPrivate().getEncoded());
    }

    /** OpenSSL's traditional RSA form (PKCS#1), "BEGIN RSA PRIVATE KEY". */
    static Path pkcs1(Path dir, String name, KeyPair pair) throws IOException {
        byte[] pkcs1 = PrivateKeyInfo.getInstance(pair.getPrivate().getEncoded()).parsePrivateKey()
                .toASN1Primitive().getEncoded();
        return pem(dir.resolve(name), "RSA PRIVATE KEY", pkcs1);
    }

    /**
     * The key record's value: k=rsa with the SubjectPublicKeyInfo (RFC 6376 3.6.1), or k=ed25519
     * with the bare 32-byte public key (RFC 8463 4).
     */
    public static String txt(KeyPair pair) {
        byte[] spki = pair.getPublic().getEncoded();
        boolean ed = pair.getPublic().getAlgorithm().equals("EdDSA") || pair.getPublic().getAlgorithm().equals("Ed25519");
        byte[] key = ed ? Arrays.copyOfRange(spki, spki.length - 32, spki.length) : spki;
        return "v=DKIM1;k=" + (ed ? "ed25519" : "rsa") + ";p=" + Base64.getEncoder().encodeToString(key);
    }

    /** A dnsmasq option serving the record, split into strings of at most 255 octets (RFC 1035 3.3.14). */
    public static String dnsmasqTxt(String name, String value) {
        var option = new StringBuilder("--txt-record=").append(name);
        for (int i = 0; i < value.length(); i += 200) {
            option.append(',').append(value, i, Math.min(value.length(), i + 200));
        }
        return option.toString();
    }

    private static Path pem(Path file, String type, byte[] der) throws IOException {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        Files.writeString(file, "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n");
        return file;
    }
}
