package org.postloom.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.util.io.pem.PemObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KeyMaterialTest {

    private static final String HOST = "mx.postloom.test";

    @TempDir
    Path dir;

    /** As in the relay, where building the TLS contexts registers the BC provider. */
    @BeforeAll
    static void registerBouncyCastleAsTheRelayDoes() {
        ClientTls.opportunistic();
    }

    @Test
    void selfSignedMaterialIsMadeOnceAndReused() throws Exception {
        var first = KeyMaterial.loadOrCreate(Optional.empty(), Optional.empty(), dir, HOST);
        var second = KeyMaterial.loadOrCreate(Optional.empty(), Optional.empty(), dir, HOST);

        assertThat(second.certificate().getEncoded()).isEqualTo(first.certificate().getEncoded());
        assertThat(second.privateKey().getEncoded()).isEqualTo(first.privateKey().getEncoded());
        Path key = dir.resolve("tls/key.pem");
        Path cert = dir.resolve("tls/cert.pem");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        assertThat(Files.readString(key)).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(Files.readString(cert)).startsWith("-----BEGIN CERTIFICATE-----");
        try (var files = Files.list(dir.resolve("tls"))) {
            assertThat(files).as("no temporary files left").hasSize(2);
        }
    }

    @Test
    void selfSignedCertificateIsEcdsaP256NamingTheHost() throws Exception {
        var certificate = KeyMaterial.loadOrCreate(Optional.empty(), Optional.empty(), dir, HOST).certificate();

        assertThat(certificate.getSubjectX500Principal().getName()).isEqualTo("CN=" + HOST);
        assertThat(certificate.getSubjectAlternativeNames()).containsExactly(List.of(2, HOST)); // 2 = dNSName
        assertThat(certificate.getSigAlgName()).isEqualTo("SHA256withECDSA");
        var publicKey = (ECPublicKey) certificate.getPublicKey();
        assertThat(publicKey.getParams().toString()).contains("secp256r1");
        assertThat(certificate.getNotAfter().toInstant()).isAfter(Instant.now().plus(Duration.ofDays(9 * 365)));
        certificate.checkValidity();
        certificate.verify(publicKey);
    }

    @ParameterizedTest
    @ValueSource(strings = {"RSA pkcs8", "RSA traditional", "EC pkcs8", "EC traditional"})
    void loadsOperatorPemFiles(String kind) throws Exception {
        var material = kind.startsWith("RSA") ? TestCertificates.rsa(HOST) : TestCertificates.ec(HOST);
        var other = TestCertificates.ec("ca.postloom.test").certificate(); // stands in for an intermediate
        Path cert = write("chain.pem", PemFiles.toPem(material.certificate()) + PemFiles.toPem(other));
        String keyPem = kind.endsWith("pkcs8") ? PemFiles.toPem(material.privateKey()) : traditionalPem(material);
        assertThat(keyPem).startsWith(kind.endsWith("pkcs8") ? "-----BEGIN PRIVATE KEY-----"
                : "-----BEGIN " + kind.split(" ")[0] + " PRIVATE KEY-----");
        Path key = write("key.pem", keyPem);

        var loaded = KeyMaterial.loadOrCreate(Optional.of(cert), Optional.of(key), dir, HOST);

        assertThat(loaded.chain()).containsExactly(material.certificate(), other);
        assertThat(loaded.privateKey().getAlgorithm()).as("the JDK's key class, not BC's").isEqualTo(kind.split(" ")[0]);
        if (material.privateKey() instanceof ECPrivateKey ec) {
            // The same key; only the encoding differs (OpenSSL's format carries the public key too).
            assertThat(((ECPrivateKey) loaded.privateKey()).getS()).isEqualTo(ec.getS());
        } else {
            assertThat(loaded.privateKey().getEncoded()).isEqualTo(material.privateKey().getEncoded());
        }
        assertThat(Files.exists(dir.resolve("tls"))).as("no self-signed material made").isFalse();
    }

    @Test
    void missingFileIsNamed() throws Exception {
        Path key = write("key.pem", PemFiles.toPem(TestCertificates.ec(HOST).privateKey()));
        Path missing = dir.resolve("nope/cert.pem");

        assertThatThrownBy(() -> KeyMaterial.load(missing, key))
                .isInstanceOf(KeyMaterialException.class)
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("does not exist");
    }

    @Test
    void garbageFilesAreNamed() throws Exception {
        var material = TestCertificates.ec(HOST);
        Path cert = write("cert.pem", PemFiles.toPem(material.certificate()));
        Path key = write("key.pem", PemFiles.toPem(material.privateKey()));
        Path garbage = dir.resolve("garbage.pem");
        Files.write(garbage, new byte[] {0, (byte) 0xff, 'x', '\n', (byte) 0x80});
        Path broken = write("broken.pem", "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n");

        assertThatThrownBy(() -> KeyMaterial.load(garbage, key)).hasMessageStartingWith(garbage + ": no PEM certificate");
        assertThatThrownBy(() -> KeyMaterial.load(cert, garbage)).hasMessageStartingWith(garbage + ": no PEM private key");
        assertThatThrownBy(() -> KeyMaterial.load(broken, key)).hasMessageStartingWith(broken + ": not a readable PEM");
        assertThatThrownBy(() -> KeyMaterial.load(cert, cert)).hasMessageStartingWith(cert + ": no PEM private key");
    }

    @Test
    void keyThatDoesNotMatchTheCertificateIsNamed() throws Exception {
        Path cert = write("cert.pem", PemFiles.toPem(TestCertificates.ec(HOST).certificate()));
        Path otherEcKey = write("other-ec.pem", PemFiles.toPem(TestCertificates.ec(HOST).privateKey()));
        Path rsaKey = write("rsa.pem", PemFiles.toPem(TestCertificates.rsa(HOST).privateKey()));

        assertThatThrownBy(() -> KeyMaterial.load(cert, otherEcKey))
                .isInstanceOf(KeyMaterialException.class)
                .hasMessageStartingWith(otherEcKey + ": the private key does not belong to the first certificate in " + cert);
        assertThatThrownBy(() -> KeyMaterial.load(cert, rsaKey))
                .hasMessageStartingWith(rsaKey + ": the private key does not belong")
                .hasMessageContaining("RSA key, EC certificate");
    }

    @Test
    void onlyOneOfCertAndKeyConfiguredIsAnError() {
        Path cert = dir.resolve("cert.pem");

        assertThatThrownBy(() -> KeyMaterial.loadOrCreate(Optional.of(cert), Optional.empty(), dir, HOST))
                .isInstanceOf(KeyMaterialException.class)
                .hasMessageContaining(cert.toString())
                .hasMessageContaining("must be set together");
    }

    @Test
    void toStringDoesNotShowTheKey() throws Exception {
        var material = TestCertificates.rsa(HOST);

        assertThat(material.toString()).isEqualTo("KeyMaterial[RSA key, CN=" + HOST + "]");
    }

    /**
     * OpenSSL's older per-algorithm format ("RSA PRIVATE KEY", "EC PRIVATE KEY"). The EC one is
     * built by hand as {@code openssl ecparam -genkey} writes it, with the curve and the public
     * key inside: BC's writer leaves the curve out when the JDK's key did.
     */
    private static String traditionalPem(KeyMaterial material) throws IOException {
        Object pem = material.privateKey();
        if (material.privateKey() instanceof ECPrivateKey ec) {
            var publicKey = SubjectPublicKeyInfo.getInstance(material.certificate().getPublicKey().getEncoded());
            var sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(256, ec.getS(), publicKey.getPublicKeyData(),
                    publicKey.getAlgorithm().getParameters());
            pem = new PemObject("EC PRIVATE KEY", sec1.getEncoded());
        }
        var text = new StringWriter();
        try (var writer = new JcaPEMWriter(text)) {
            writer.writeObject(pem);
        }
        return text.toString();
    }

    private Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }
}
