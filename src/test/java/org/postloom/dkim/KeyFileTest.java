package org.postloom.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.Relay;
import org.postloom.config.ConfigLoader;
import org.postloom.testing.TestKeys;

class KeyFileTest {

    @TempDir
    Path dir;

    @Test
    void readsPkcs8RsaPkcs1RsaAndEd25519() throws Exception {
        var rsa = TestKeys.rsa(2048);
        assertThat(KeyFile.read(TestKeys.pkcs8(dir, "a.pem", rsa), "s").algorithm()).isEqualTo(Algorithm.RSA_SHA256);
        byte[] data = "same data".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        // RSASSA-PKCS1-v1_5 is deterministic: the same key signs the same data alike.
        assertThat(KeyFile.read(TestKeys.pkcs1(dir, "b.pem", rsa), "s").sign(data))
                .isEqualTo(KeyFile.read(dir.resolve("a.pem"), "s").sign(data));
        assertThat(KeyFile.read(TestKeys.pkcs8(dir, "c.pem", TestKeys.ed25519()), "s").algorithm())
                .isEqualTo(Algorithm.ED25519_SHA256);
    }

    @Test
    void readsWhatOpensslMakes() throws Exception {
        Path ed = openssl("ed.pem", "genpkey", "-algorithm", "ed25519");
        Path rsa = openssl("rsa.pem", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048");
        Path traditional = openssl("traditional.pem", "genrsa", "-traditional", "2048");
        assertThat(Files.readString(traditional)).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        assertThat(KeyFile.read(ed, "s").algorithm()).isEqualTo(Algorithm.ED25519_SHA256);
        assertThat(KeyFile.read(rsa, "s").algorithm()).isEqualTo(Algorithm.RSA_SHA256);
        assertThat(KeyFile.read(traditional, "s").algorithm()).isEqualTo(Algorithm.RSA_SHA256);
    }

    /** Runs openssl (Debian package openssl) to write a key to {@code name}. */
    private Path openssl(String name, String... args) throws Exception {
        Path out = dir.resolve(name);
        // openssl SUBCOMMAND -out FILE OPTIONS...: genrsa wants its bit count last.
        var command = new java.util.ArrayList<>(java.util.List.of("openssl", args[0], "-out", out.toString()));
        command.addAll(java.util.List.of(args).subList(1, args.length));
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            throw new AssertionError("openssl is missing: install the Debian package openssl", e);
        }
        String output = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(output).isZero();
        return out;
    }

    @Test
    void refusesSmallRsaGarbageAndOtherAlgorithmsNamingTheFile() throws Exception {
        Path small = TestKeys.pkcs8(dir, "small.pem", TestKeys.rsa(1024));
        assertThatThrownBy(() -> KeyFile.read(small, "s")).isInstanceOf(DkimKeyException.class)
                .hasMessageContaining(small.toString()).hasMessageContaining("1024 bits");
        Path garbage = Files.write(dir.resolve("garbage.pem"), new byte[] {1, 2, 3, (byte) 0xff});
        assertThatThrownBy(() -> KeyFile.read(garbage, "s")).hasMessageContaining(garbage.toString())
                .hasMessageContaining("no PEM private key");
        Path broken = Files.writeString(dir.resolve("broken.pem"), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        assertThatThrownBy(() -> KeyFile.read(broken, "s")).hasMessageContaining(broken.toString());
        var ec = java.security.KeyPairGenerator.getInstance("EC").generateKeyPair();
        Path ecFile = TestKeys.pkcs8(dir, "ec.pem", ec);
        assertThatThrownBy(() -> KeyFile.read(ecFile, "s")).hasMessageContaining(ecFile.toString())
                .hasMessageContaining("RSA or Ed25519");
        Path missing = dir.resolve("missing.pem");
        assertThatThrownBy(() -> KeyFile.read(missing, "s")).hasMessageContaining(missing.toString());
    }

    @Test
    void aBadKeyStopsTheRelayStartNamingTheFile() throws Exception {
        Path small = TestKeys.pkcs8(dir, "small.pem", TestKeys.rsa(1024));
        var config = ConfigLoader.of(Map.of(
                "postloom.spool.dir", dir.resolve("spool").toString(),
                "postloom.smtp.listen", "127.0.0.1:0",
                "postloom.admin.listen", "127.0.0.1:0",
                "postloom.dkim.\"example.test\".\"s2025\"", small.toString()));
        assertThatThrownBy(() -> Relay.start(config).close()).isInstanceOf(DkimKeyException.class)
                .hasMessageContaining(small.toString()).hasMessageContaining("2048");
    }

    @Test
    void keysAreFoundForTheDomainOrWhenAllowedItsParent() throws Exception {
        Path file = TestKeys.pkcs8(dir, "ed.pem", TestKeys.ed25519());
        var keys = DkimKeys.load(Map.of("\"Example.TEST\"", Map.of("\"ed1\"", file.toString())));
        assertThat(keys.find("example.test", false).orElseThrow().keys()).extracting(SigningKey::selector)
                .containsExactly("ed1");
        assertThat(keys.find("news.example.test", false)).isEmpty();
        assertThat(keys.find("a.news.example.test", true).orElseThrow().domain()).isEqualTo("example.test");
        assertThat(keys.find("other.test", true)).isEmpty();
    }
}
