package org.postloom.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.postloom.smtp.MemoryStore;

/** Reads TLS-RPT reports where the sinks got them and checks them against RFC 8460 4.4 and 4.5. */
final class TlsReportCheck {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> RESULT_TYPES = Set.of("starttls-not-supported", "certificate-host-mismatch",
            "certificate-expired", "certificate-not-trusted", "validation-failure", "tlsa-invalid", "dnssec-invalid",
            "dane-required", "sts-policy-fetch-error", "sts-policy-invalid", "sts-webpki-invalid");
    private static final Pattern ATTACHMENT = Pattern.compile(
            "Content-Type: application/tlsrpt\\+gzip\r\nContent-Transfer-Encoding: base64\r\n"
                    + "Content-Disposition: attachment; filename=\"[^\"]+!([^!\"]+)![0-9]+![0-9]+\\.json\\.gz\"\r\n\r\n([A-Za-z0-9+/=\r\n]+?)\r\n--");

    private TlsReportCheck() {}

    /** The first report about {@code domain} POSTed to the https sink (RFC 8460 5.4). */
    static JsonNode awaitPosted(PolicyHost host, String domain) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            for (PolicyHost.Posted p : host.posted) {
                assertThat(p.contentType()).isEqualTo("application/tlsrpt+gzip");
                JsonNode report = JSON.readTree(gunzip(p.body()));
                if (report.at("/policies/0/policy/policy-domain").asText().equals(domain)) return report;
            }
            Thread.sleep(100);
        }
        return fail("no TLS-RPT report for " + domain + " was POSTed; got " + host.posted.size());
    }

    /** The first report about {@code domain} mailed to the MX behind {@code store} (RFC 8460 5.3). */
    static JsonNode awaitMailed(MemoryStore store, String domain) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            for (MemoryStore.Stored s : store.committed()) {
                String text = s.text();
                if (!text.contains("TLS-Report-Domain: " + domain + "\r\n")) continue;
                assertThat(text).contains("Content-Type: multipart/report; report-type=\"tlsrpt\"")
                        .contains("TLS-Report-Submitter: ").containsPattern("Subject: Report Domain: " + Pattern.quote(domain)
                                + " Submitter: \\S+ Report-ID: <[^>]+>");
                assertThat(s.envelope().sender().isNull()).isTrue();
                Matcher m = ATTACHMENT.matcher(text);
                assertThat(m.find()).as(text).isTrue();
                assertThat(m.group(1)).isEqualTo(domain);
                return JSON.readTree(gunzip(Base64.getMimeDecoder().decode(m.group(2))));
            }
            Thread.sleep(100);
        }
        return fail("no TLS-RPT mail for " + domain + " arrived");
    }

    /** RFC 8460 4.4 fields, with the types of the schema in 4.5. */
    static void validate(JsonNode report, String organization) {
        assertThat(report.get("organization-name").asText()).isEqualTo(organization);
        Instant start = Instant.parse(report.at("/date-range/start-datetime").asText());
        Instant end = Instant.parse(report.at("/date-range/end-datetime").asText());
        assertThat(end).isAfter(start);
        assertThat(report.get("contact-info").isTextual()).isTrue();
        assertThat(report.get("report-id").asText()).isNotBlank();
        assertThat(report.get("policies").isArray()).isTrue();
        for (JsonNode p : report.get("policies")) {
            assertThat(p.at("/policy/policy-type").asText()).isIn("tlsa", "sts", "no-policy-found");
            assertThat(p.at("/policy/policy-domain").asText()).isNotBlank();
            for (String optionalArray : List.of("/policy/policy-string", "/policy/mx-host")) {
                if (!p.at(optionalArray).isMissingNode()) assertThat(p.at(optionalArray).isArray()).isTrue();
            }
            assertThat(p.at("/summary/total-successful-session-count").isIntegralNumber()).isTrue();
            assertThat(p.at("/summary/total-failure-session-count").isIntegralNumber()).isTrue();
            long failures = 0;
            for (JsonNode d : p.path("failure-details")) {
                assertThat(d.get("result-type").asText()).isIn(RESULT_TYPES);
                assertThat(d.get("failed-session-count").isIntegralNumber()).isTrue();
                failures += d.get("failed-session-count").asLong();
            }
            assertThat(failures).isEqualTo(p.at("/summary/total-failure-session-count").asLong());
        }
    }

    private static byte[] gunzip(byte[] gzip) throws IOException {
        try (var in = new GZIPInputStream(new ByteArrayInputStream(gzip))) {
            return in.readAllBytes();
        }
    }
}
