package org.postloom.tls;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads and writes the PEM files that operators and tools like certbot or openssl produce.
 * Keys and certificates are converted to the JDK's own classes (no provider named), so the
 * TLS stack can use the JDK's fast crypto for them.
 */
final class PemFiles {

    private PemFiles() {
    }

    /** The certificates of a chain file, leaf first, in file order. */
    static List<X509Certificate> readCertificates(Path file) {
        var certificates = new ArrayList<X509Certificate>();
        var converter = new JcaX509CertificateConverter();
        try (var parser = new PEMParser(open(file))) {
            for (Object item; (item = parser.readObject()) != null; ) {
                if (item instanceof X509CertificateHolder holder) {
                    certificates.add(converter.getCertificate(holder));
                }
            }
        } catch (IOException | CertificateException | RuntimeException e) {
            throw new KeyMaterialException(file, "not a readable PEM certificate file: " + e.getMessage(), e);
        }
        if (certificates.isEmpty()) {
            throw new KeyMaterialException(file, "no PEM certificate (-----BEGIN CERTIFICATE-----) found");
        }
        return List.copyOf(certificates);
    }

    /** The first private key of a file: PKCS#8 "PRIVATE KEY", or OpenSSL's "EC/RSA PRIVATE KEY". */
    static PrivateKey readPrivateKey(Path file) {
        // BC names EC keys "ECDSA", which only the BC provider knows: once it is registered
        // (TlsContexts does) we would get BC's slower key classes. "EC" keeps them the JDK's.
        var converter = new JcaPEMKeyConverter().setAlgorithmMapping(X9ObjectIdentifiers.id_ecPublicKey, "EC");
        try (var parser = new PEMParser(open(file))) {
            for (Object item; (item = parser.readObject()) != null; ) {
                switch (item) {
                    case PrivateKeyInfo pkcs8 -> {
                        return converter.getPrivateKey(pkcs8);
                    }
                    case PEMKeyPair traditional -> {
                        // Only the private half: "EC PRIVATE KEY" may omit the public key, and
                        // converting the pair then fails.
                        return converter.getPrivateKey(traditional.getPrivateKeyInfo());
                    }
                    case PKCS8EncryptedPrivateKeyInfo _, PEMEncryptedKeyPair _ ->
                        throw new KeyMaterialException(file, "the private key is encrypted; give an unencrypted key");
                    default -> {
                        // Parameters ("EC PARAMETERS") or certificates may share the file; skip them.
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof KeyMaterialException known) {
                throw known;
            }
            throw new KeyMaterialException(file, "not a readable PEM private key file: " + e.getMessage(), e);
        }
        throw new KeyMaterialException(file, "no PEM private key (-----BEGIN PRIVATE KEY-----) found");
    }

    static String toPem(X509Certificate certificate) {
        return pem(certificate);
    }

    /** PKCS#8 ("BEGIN PRIVATE KEY"), the format every current tool reads. */
    static String toPem(PrivateKey key) {
        try {
            return pem(new JcaPKCS8Generator(key, null));
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode private key", e);
        }
    }

    private static String pem(Object object) {
        var text = new StringWriter();
        try (var writer = new JcaPEMWriter(text)) {
            writer.writeObject(object);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode as PEM", e);
        }
        return text.toString();
    }

    private static Reader open(Path file) {
        try {
            // Latin-1 never fails to decode: binary garbage then reads as "no PEM found".
            return Files.newBufferedReader(file, StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            throw new KeyMaterialException(file, "file does not exist", e);
        } catch (IOException e) {
            throw new KeyMaterialException(file, "cannot read file: " + e, e);
        }
    }
}
