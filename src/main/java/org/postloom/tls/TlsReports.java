package org.postloom.tls;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/**
 * SMTP TLS Reporting (RFC 8460): every TLS session outcome of an MX delivery is appended to the
 * file of its reporting period in {@code <spool>/tls-rpt}; once a period is over, one report per
 * policy domain that publishes a {@code _smtp._tls} TXT record goes to each of its {@code rua}
 * addresses, gzipped JSON, by HTTPS POST ({@code application/tlsrpt+gzip}, 5.4) or by mail through
 * the relay itself (5.3). A period's file stays until every domain in it was reported, so reports
 * survive restarts and outages of the receivers. Thread-safe.
 */
public final class TlsReports {

    private static final System.Logger LOG = System.getLogger("org.postloom.tls");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Queues a report message through the relay (RFC 8460 5.3): envelope recipient and the whole message. */
    @FunctionalInterface
    public interface Mailer {
        void send(String recipient, byte[] message) throws IOException;
    }

    /** Who reports: RFC 8460 4.4 organization-name and contact-info, and the envelope sender of mailed reports. */
    public record Submitter(String organization, String contact, String hostname) {}

    private final Path dir;
    private final Clock clock;
    private final Duration interval;
    private final Submitter submitter;
    private final Function<String, Optional<List<String>>> txt;
    private final PolicyHttp http;
    private final Mailer mailer;

    public TlsReports(Path dir, Clock clock, Duration interval, Submitter submitter,
                      Function<String, Optional<List<String>>> txt, PolicyHttp http, Mailer mailer) {
        if (interval.toSeconds() < 1) throw new IllegalArgumentException("postloom.tls-rpt.interval must be at least PT1S: " + interval);
        this.dir = dir;
        this.clock = clock;
        this.interval = interval;
        this.submitter = submitter;
        this.txt = txt;
        this.http = http;
        this.mailer = mailer;
    }

    /** Notes one session (success, or the failure's result type) for {@code policyDomain}. */
    public synchronized void record(String policyDomain, ReportedPolicy policy, String mxHost, InetAddress ip, TlsResult result) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("domain", policyDomain);
        line.put("type", policy.type());
        line.put("strings", policy.strings());
        line.put("mx", policy.mxHosts());
        line.put("host", mxHost);
        line.put("ip", ip.getHostAddress());
        result.failure().ifPresent(f -> {
            line.put("result", f.type().word());
            line.put("reason", f.reason());
        });
        long period = clock.instant().getEpochSecond() / interval.toSeconds();
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(period + ".jsonl"), JSON.writeValueAsString(line) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "tls-rpt not recorded domain=" + policyDomain + " error=\"" + e.getMessage() + "\"");
        }
    }

    /** Sends the reports of every period that is over; what cannot be sent now is tried next time. */
    public synchronized void sendDue() {
        long current = clock.instant().getEpochSecond() / interval.toSeconds();
        List<Path> files;
        try (Stream<Path> all = Files.isDirectory(dir) ? Files.list(dir) : Stream.empty()) {
            files = all.filter(p -> p.getFileName().toString().endsWith(".jsonl")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (Path file : files) {
            long period = Long.parseLong(file.getFileName().toString().replace(".jsonl", ""));
            if (period < current) sendPeriod(file, period);
        }
    }

    /** Runs {@link #sendDue()} every {@code period} on a daemon thread until closed. */
    public AutoCloseable sendEvery(Duration period) {
        Thread thread = Thread.ofVirtual().name("tls-rpt").start(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.sleep(period);
                    try {
                        sendDue();
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.WARNING, "tls-rpt round failed: " + e);
                    }
                }
            } catch (InterruptedException e) {
                // closed
            }
        });
        return thread::interrupt;
    }

    private void sendPeriod(Path file, long period) {
        Path doneFile = file.resolveSibling(period + ".done");
        try {
            Set<String> done = new HashSet<>(Files.exists(doneFile) ? Files.readAllLines(doneFile) : List.of());
            Map<String, List<Map<String, Object>>> byDomain = new LinkedHashMap<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank()) continue;
                @SuppressWarnings("unchecked")
                Map<String, Object> session = JSON.readValue(line, Map.class);
                byDomain.computeIfAbsent((String) session.get("domain"), d -> new ArrayList<>()).add(session);
            }
            boolean all = true;
            for (var e : byDomain.entrySet()) {
                if (done.contains(e.getKey())) continue;
                if (sendDomain(e.getKey(), e.getValue(), period)) {
                    Files.writeString(doneFile, e.getKey() + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                } else {
                    all = false;
                }
            }
            if (all) {
                Files.deleteIfExists(file);
                Files.deleteIfExists(doneFile);
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "tls-rpt period unreadable file=" + file + " error=\"" + e.getMessage() + "\"");
        }
    }

    /** True when the domain is done with: reported to every rua, or it asks for no reports. */
    private boolean sendDomain(String domain, List<Map<String, Object>> sessions, long period) throws IOException {
        Optional<List<String>> records = txt.apply("_smtp._tls." + domain);
        if (records.isEmpty()) return false; // DNS failed: try again later
        List<String> rua = TlsReportFormat.rua(records.get());
        if (rua.isEmpty()) return true;      // RFC 8460 3: no TLSRPTv1 record, no report
        Instant start = Instant.ofEpochSecond(period * interval.toSeconds());
        Instant end = start.plus(interval);
        String reportId = start.getEpochSecond() + "." + domain + "@" + submitter.hostname();
        byte[] json = TlsReportFormat.report(submitter, domain, start, end, reportId, sessions);
        byte[] gzip = gzip(json);
        boolean allSent = true;
        for (String address : rua) {
            try {
                if (address.startsWith("https:")) {
                    int status = http.post(URI.create(address), "application/tlsrpt+gzip", gzip);
                    if (status / 100 != 2) throw new IOException("HTTP " + status);
                } else if (address.startsWith("mailto:")) {
                    String to = address.substring("mailto:".length()).replaceFirst("!.*$", "");
                    mailer.send(to, TlsReportFormat.mail(submitter, domain, start, end, reportId, to, gzip));
                }
                LOG.log(System.Logger.Level.INFO, "tls-rpt sent domain=" + domain + " rua=" + address + " report-id=" + reportId);
            } catch (IOException | RuntimeException e) {
                allSent = false;
                LOG.log(System.Logger.Level.WARNING, "tls-rpt not sent domain=" + domain + " rua=" + address + " error=\"" + e + "\"");
            }
        }
        return allSent;
    }

    private static byte[] gzip(byte[] data) throws IOException {
        var out = new ByteArrayOutputStream();
        try (var gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }
}
