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

class KeyFileTest {

    @TempDir
    Path dir;

    @Test
    void readsPkcs8RsaPkcs1RsaAndEd25519() throws Exception {
        var rsa = TestKeys.rsa(2048);
        assertThat(KeyFile.read(TestKeys.pkcs8(dir, "a.pem", rsa), "s").algorithm()).isEqualTo(Algorithm.RSA_SHA256);
        assertThat(KeyFile.read(TestKeys.pkcs1(dir, "b.pem", rsa), "s").key().getEncoded())
                .isEqualTo(rsa.getPrivate().getEncoded());
        assertThat(KeyFile.read(TestKeys.pkcs8(dir, "c.pem", TestKeys.ed25519()), "s").algorithm())
                .isEqualTo(Algorithm.ED25519_SHA256);
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
