package org.postloom.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * testssl.sh against the STARTTLS port: TLS 1.2 and 1.3 only, forward secrecy, no weak cipher,
 * no renegotiation or compression trouble, none of its known vulnerabilities. The default key
 * material is self-signed, so findings about the certificate's trust are expected and ignored.
 */
@Tag("long")
class TestsslIT {

    @RegisterExtension
    final Relays relays = new Relays();

    @TempDir
    Path work;

    private final ExternalTool testssl = ExternalTool.require("testssl", "testssl.sh");

    @Test
    void theStartTlsPortPassesTestssl() throws Exception {
        RelayProcess relay = relays.start(RelayProcess.Settings.in(work));
        Path json = work.resolve("testssl.json");
        ExternalTool.Run run = testssl.run(Duration.ofMinutes(5), "--quiet", "--color", "0", "--warnings", "off",
                "-t", "smtp", "--jsonfile", json.toString(), "127.0.0.1:" + relay.smtpPort());
        Map<String, JsonNode> findings = new HashMap<>();
        List<String> problems = new ArrayList<>();
        for (JsonNode f : new ObjectMapper().readTree(json.toFile())) {
            String id = f.get("id").asText();
            String severity = f.get("severity").asText();
            findings.put(id, f);
            boolean aboutTheSelfSignedCertificate = id.startsWith("cert_") || id.equals("DNS_CAArecord");
            if (List.of("LOW", "MEDIUM", "HIGH", "CRITICAL").contains(severity) && !aboutTheSelfSignedCertificate) {
                problems.add(id + " " + severity + ": " + f.get("finding").asText());
            }
        }
        assertThat(findings).as(run.output()).containsKeys("SSLv2", "SSLv3", "TLS1", "TLS1_1", "TLS1_2", "TLS1_3");
        for (String old : List.of("SSLv2", "SSLv3", "TLS1", "TLS1_1")) {
            assertThat(findings.get(old).get("finding").asText()).as(old).startsWith("not offered");
        }
        for (String current : List.of("TLS1_2", "TLS1_3")) {
            assertThat(findings.get(current).get("finding").asText()).as(current).startsWith("offered");
        }
        assertThat(findings.get("PFS").get("severity").asText()).as("forward secrecy").isEqualTo("OK");
        assertThat(problems).as("findings beyond the self-signed certificate").isEmpty();
    }
}
