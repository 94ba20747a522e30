package org.postloom.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    @Test
    void embeddedDefaultsMatchTheContract() {
        PostloomConfig c = ConfigLoader.load(Optional.empty());
        assertThat(c.smtp().listen()).containsExactly("127.0.0.1:2525");
        assertThat(c.smtp().implicitTlsListen()).isEmpty();
        assertThat(c.admin().listen()).isEqualTo("127.0.0.1:8025");
        assertThat(c.spool().dir()).isEqualTo(Path.of("./data/spool"));
        assertThat(c.relay().networks()).containsExactly("127.0.0.0/8", "::1/128");
        assertThat(c.relay().domains()).isEmpty();
        assertThat(c.tls().cert()).isEmpty();
        assertThat(c.delivery().port()).isEqualTo(25);
        assertThat(c.limits().messageSize()).isEqualTo(52_428_800L);
        assertThat(c.limits().recipients()).isEqualTo(1000);
        assertThat(c.limits().connections()).isEqualTo(20_000);
        assertThat(c.smtp().commandTimeout()).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void aPropertiesFileOverridesDefaults() throws Exception {
        Path file = dir.resolve("postloom.properties");
        Files.writeString(file, """
                postloom.hostname=mx.example.test
                postloom.smtp.listen=127.0.0.1:2600,127.0.0.2:2600
                postloom.limits.recipients=50
                postloom.routes."example.com"=127.0.0.9:2525
                """);
        PostloomConfig c = ConfigLoader.load(Optional.of(file));
        assertThat(c.hostname()).contains("mx.example.test");
        assertThat(c.smtp().listen()).isEqualTo(List.of("127.0.0.1:2600", "127.0.0.2:2600"));
        assertThat(c.limits().recipients()).isEqualTo(50);
        assertThat(c.routes()).containsEntry("example.com", "127.0.0.9:2525");
    }

    @Test
    void aYamlFileWorksTooAndSystemPropertiesWin() throws Exception {
        Path file = dir.resolve("postloom.yaml");
        Files.writeString(file, """
                postloom:
                  limits:
                    message-size: 1000
                    connections: 7
                  relay:
                    domains: a.test,b.test
                """);
        System.setProperty("postloom.limits.connections", "9");
        try {
            PostloomConfig c = ConfigLoader.load(Optional.of(file));
            assertThat(c.limits().messageSize()).isEqualTo(1000);
            assertThat(c.limits().connections()).isEqualTo(9);
            assertThat(c.relay().domains()).contains(List.of("a.test", "b.test"));
        } finally {
            System.clearProperty("postloom.limits.connections");
        }
    }

    @Test
    void hostPortParsesIpv4Ipv6AndAny() {
        assertThat(HostPort.parse("127.0.0.2:25").getPort()).isEqualTo(25);
        assertThat(HostPort.parse("[::1]:2525").getAddress().getHostAddress()).isEqualTo("0:0:0:0:0:0:0:1");
        assertThat(HostPort.parse(":2525").getAddress().isAnyLocalAddress()).isTrue();
    }
}
