package org.postloom.tls;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** The formats of RFC 8460: the TXT record (3), the JSON report (4.4) and the report mail (5.3). */
final class TlsReportFormat {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter MAIL_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

    private TlsReportFormat() {}

    /** RFC 8460 3: the {@code rua} URIs of the one record that begins {@code v=TLSRPTv1}; none otherwise. */
    static List<String> rua(List<String> txtRecords) {
        List<String> reporting = txtRecords.stream().filter(r -> r.startsWith("v=TLSRPTv1")).toList();
        if (reporting.size() != 1) return List.of();
        for (String field : reporting.getFirst().split(";")) {
            String f = field.strip();
            if (f.startsWith("rua=")) {
                return java.util.Arrays.stream(f.substring(4).split(",")).map(String::strip)
                        .filter(u -> u.startsWith("mailto:") || u.startsWith("https:")).toList();
            }
        }
        return List.of();
    }

    /** RFC 8460 4.4: one report for one policy domain, sessions grouped by policy. */
    static byte[] report(TlsReports.Submitter submitter, String domain, Instant start, Instant end, String reportId,
                         List<Map<String, Object>> sessions) throws JsonProcessingException {
        Map<List<Object>, List<Map<String, Object>>> byPolicy = new LinkedHashMap<>();
        for (Map<String, Object> s : sessions) {
            byPolicy.computeIfAbsent(List.of(s.get("type"), s.get("strings"), s.get("mx")), k -> new ArrayList<>()).add(s);
        }
        List<Object> policies = new ArrayList<>();
        byPolicy.forEach((key, list) -> policies.add(policy(domain, key, list)));
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("organization-name", submitter.organization());
        report.put("date-range", Map.of("start-datetime", start.toString(), "end-datetime", end.toString()));
        report.put("contact-info", submitter.contact());
        report.put("report-id", reportId);
        report.put("policies", policies);
        return JSON.writeValueAsBytes(report);
    }

    private static Map<String, Object> policy(String domain, List<Object> key, List<Map<String, Object>> sessions) {
        Map<String, Object> policy = new LinkedHashMap<>();
        policy.put("policy-type", key.get(0));
        if (!((List<?>) key.get(1)).isEmpty()) policy.put("policy-string", key.get(1));
        policy.put("policy-domain", domain);
        if (!((List<?>) key.get(2)).isEmpty()) policy.put("mx-host", key.get(2));
        long failed = sessions.stream().filter(s -> s.containsKey("result")).count();
        Map<List<Object>, Long> details = new LinkedHashMap<>();
        for (Map<String, Object> s : sessions) {
            if (s.containsKey("result")) details.merge(List.of(s.get("result"), s.get("host"), s.get("ip")), 1L, Long::sum);
        }
        List<Object> failureDetails = new ArrayList<>();
        details.forEach((k, count) -> {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("result-type", k.get(0));
            d.put("receiving-mx-hostname", k.get(1));
            d.put("receiving-ip", k.get(2));
            d.put("failed-session-count", count);
            failureDetails.add(d);
        });
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("policy", policy);
        out.put("summary", Map.of("total-successful-session-count", sessions.size() - failed, "total-failure-session-count", failed));
        if (!failureDetails.isEmpty()) out.put("failure-details", failureDetails);
        return out;
    }

    /** RFC 8460 5.3: a multipart/report of report-type tlsrpt with the gzipped report attached. */
    static byte[] mail(TlsReports.Submitter submitter, String domain, Instant start, Instant end, String reportId,
                       String to, byte[] gzip) {
        String boundary = "=_tlsrpt_" + UUID.randomUUID();
        String file = submitter.hostname() + "!" + domain + "!" + start.getEpochSecond() + "!" + end.getEpochSecond() + ".json.gz";
        String base64 = Base64.getMimeEncoder(76, "\r\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(gzip);
        String message = "From: TLS reporting <noreply-tlsrpt@" + submitter.hostname() + ">\r\n"
                + "To: <" + to + ">\r\n"
                + "Date: " + MAIL_DATE.format(Instant.now()) + "\r\n"
                + "Subject: Report Domain: " + domain + " Submitter: " + submitter.hostname() + " Report-ID: <" + reportId + ">\r\n"
                + "Message-ID: <" + UUID.randomUUID() + "@" + submitter.hostname() + ">\r\n"
                + "TLS-Report-Domain: " + domain + "\r\n"
                + "TLS-Report-Submitter: " + submitter.hostname() + "\r\n"
                + "Auto-Submitted: auto-generated\r\n"
                + "MIME-Version: 1.0\r\n"
                + "Content-Type: multipart/report; report-type=\"tlsrpt\";\r\n\tboundary=\"" + boundary + "\"\r\n\r\n"
                + "--" + boundary + "\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
                + "This is an aggregate TLS report (RFC 8460) from " + submitter.hostname() + " for " + domain + ".\r\n\r\n"
                + "--" + boundary + "\r\nContent-Type: application/tlsrpt+gzip\r\nContent-Transfer-Encoding: base64\r\n"
                + "Content-Disposition: attachment; filename=\"" + file + "\"\r\n\r\n" + base64 + "\r\n"
                + "--" + boundary + "--\r\n";
        return message.getBytes(StandardCharsets.US_ASCII);
    }
}
