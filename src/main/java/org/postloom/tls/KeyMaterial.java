package org.postloom.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The relay's private key and certificate chain (leaf first), as the server side of TLS presents
 * them. Comes from the operator's PEM files, or else from a self-signed certificate that is made
 * at first start and kept in the spool directory, so that peers see the same one across restarts.
 */
public record KeyMaterial(PrivateKey privateKey, List<X509Certificate> chain) {

    private static final System.Logger LOG = System.getLogger(KeyMaterial.class.getName());

    /** Where the self-signed material lives, relative to the spool directory. */
    static final Path SELF_SIGNED_DIR = Path.of("tls");
    static final String CERT_FILE = "cert.pem";
    static final String KEY_FILE = "key.pem";

    public KeyMaterial {
        Objects.requireNonNull(privateKey, "privateKey");
        chain = List.copyOf(chain);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("a certificate chain needs at least one certificate");
        }
    }

    /** Never the key itself: some JDK keys print their private exponent, and records print fields. */
    @Override
    public String toString() {
        return "KeyMaterial[" + privateKey.getAlgorithm() + " key, " + certificate().getSubjectX500Principal() + "]";
    }

    /** The leaf certificate: the one naming this relay. */
    public X509Certificate certificate() {
        return chain.getFirst();
    }

    /**
     * The operator's files when both are configured; with neither, the self-signed material under
     * {@code spoolDir/tls/}, made now if it is not there yet.
     *
     * @throws KeyMaterialException naming the file that is missing, unreadable or does not match
     */
    public static KeyMaterial loadOrCreate(Optional<Path> certFile, Optional<Path> keyFile, Path spoolDir, String hostname) {
        if (certFile.isPresent() && keyFile.isPresent()) {
            return load(certFile.get(), keyFile.get());
        }
        if (certFile.isPresent() || keyFile.isPresent()) {
            // Falling back to self-signed here would hide a typo in the configuration.
            Path given = certFile.or(() -> keyFile).orElseThrow();
            throw new KeyMaterialException(given, "postloom.tls.cert and postloom.tls.key must be set together");
        }
        return loadOrCreateSelfSigned(spoolDir.resolve(SELF_SIGNED_DIR), hostname);
    }

    /** A PEM certificate chain file and the PEM private key that belongs to its first certificate. */
    public static KeyMaterial load(Path certFile, Path keyFile) {
        var chain = PemFiles.readCertificates(certFile);
        var key = PemFiles.readPrivateKey(keyFile);
        requireMatch(key, chain.getFirst().getPublicKey(), keyFile, certFile);
        return new KeyMaterial(key, chain);
    }

    private static KeyMaterial loadOrCreateSelfSigned(Path dir, String hostname) {
        Path cert = dir.resolve(CERT_FILE);
        Path key = dir.resolve(KEY_FILE);
        if (Files.exists(cert) && Files.exists(key)) {
            return load(cert, key);
        }
        // One of the two missing means an earlier start died half-way; both are ours to replace.
        var made = SelfSignedCertificate.generate(hostname);
        try {
            Files.createDirectories(dir);
            // Key first: a cert without its key is never left behind as the newer file.
            writeAtomically(key, PemFiles.toPem(made.privateKey()));
            writeAtomically(cert, PemFiles.toPem(made.certificate()));
        } catch (IOException e) {
            throw new KeyMaterialException(dir, "cannot store the self-signed certificate: " + e, e);
        }
        LOG.log(System.Logger.Level.INFO, "tls: made a self-signed certificate for {0} in {1}", hostname, cert);
        return made;
    }

    /** Written to a temporary file that is owner-only from birth (600), then moved into place. */
    private static void writeAtomically(Path target, String content) throws IOException {
        var ownerOnly = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
        Path temp = Files.createTempFile(target.getParent(), target.getFileName() + ".", ".tmp", ownerOnly);
        try {
            Files.writeString(temp, content, StandardCharsets.US_ASCII);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * Proves that the key belongs to the certificate by signing and verifying a challenge; a
     * mismatch would otherwise only show as every handshake failing.
     */
    private static void requireMatch(PrivateKey key, PublicKey certKey, Path keyFile, Path certFile) {
        String problem = "the private key does not belong to the first certificate in " + certFile;
        if (!key.getAlgorithm().equals(certKey.getAlgorithm())) {
            throw new KeyMaterialException(keyFile, problem + " (" + key.getAlgorithm() + " key, "
                    + certKey.getAlgorithm() + " certificate)");
        }
        try {
            String algorithm = switch (key.getAlgorithm()) {
                case "EC" -> "SHA256withECDSA";
                case "RSA" -> "SHA256withRSA";
                default -> key.getAlgorithm(); // EdDSA, Ed25519, Ed448 name their own signature
            };
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            var signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            var verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certKey);
            verifier.update(challenge);
            if (!verifier.verify(signature)) {
                throw new KeyMaterialException(keyFile, problem);
            }
        } catch (GeneralSecurityException e) {
            throw new KeyMaterialException(keyFile, problem + ": " + e.getMessage(), e);
        }
    }
}
