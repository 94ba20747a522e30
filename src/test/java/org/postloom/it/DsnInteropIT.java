package org.postloom.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.Relay;
import org.postloom.config.ConfigLoader;
import org.postloom.delivery.client.Outcome;
import org.postloom.delivery.ParsedReport;
import org.postloom.delivery.client.ClientSettings;
import org.postloom.delivery.client.MessageBody;
import org.postloom.delivery.client.OutboundConnection;
import org.postloom.delivery.client.SmtpSink;
import org.postloom.delivery.client.TlsPolicy;
import org.postloom.mail.DsnRequest;
import org.postloom.mail.Envelope;
import org.postloom.mail.Mailbox;
import org.postloom.mail.QueueId;
import org.postloom.mail.RecipientDsn;
import org.postloom.testing.Await;
import org.postloom.tls.ClientTls;
import org.postloom.tls.KeyMaterial;

/**
 * DSN and REQUIRETLS between real peers. Postloom (in process) and a private Postfix 3.7 get the
 * same messages from Python's smtplib and relay them to Postfix's smtp-sink (one with DSN, one
 * without, one that refuses recipients); their reports reach a capturing sink, are parsed by
 * Python's email package, and are compared field by field where RFC 3464 fixes the field. Postfix
 * is also Postloom's next hop, to show the parameters passed on through it unchanged.
 */
class DsnInteropIT {

    private static final String CAPTURE = "127.0.4.20", SINK_DSN = "127.0.4.21", SINK_NO_DSN = "127.0.4.22",
            SINK_REFUSING = "127.0.4.23", POSTFIX = "127.0.4.24", POSTLOOM = "127.0.4.26";
    private static final Path SEND = Path.of("src/test/resources/dsn/send.py");

    @TempDir
    static Path work;

    static CapturingSink capture;
    static SmtpSink withDsn, withoutDsn, refusing;
    static PostfixInstance postfix;
    static Relay postloom;
    static int postloomPort;

    @BeforeAll
    static void start() throws Exception {
        capture = CapturingSink.start(CAPTURE, CapturingSink.ACCEPT_ALL);
        withDsn = SmtpSink.start(SINK_DSN, Files.createDirectories(work.resolve("dsn")));
        withoutDsn = SmtpSink.start(SINK_NO_DSN, Files.createDirectories(work.resolve("nodsn")), "-N");
        refusing = SmtpSink.start(SINK_REFUSING, Files.createDirectories(work.resolve("refusing")),
                "-f", "RCPT", "-B", "550 5.1.1 Recipient address rejected: no such user");
        Map<String, String> routes = Map.of("dsn.test", hostPort(withDsn.address()), "nodsn.test", hostPort(withoutDsn.address()),
                "fail.test", hostPort(refusing.address()), "sender.test", CAPTURE + ":" + capture.port());
        Path keys = work.resolve("postfix-keys");
        KeyMaterial.loadOrCreate(Optional.empty(), Optional.empty(), keys, "mx.pf.test");
        Path transport = work.resolve("transport");
        StringBuilder map = new StringBuilder("pf.test smtp:[" + SINK_DSN + "]:" + withDsn.address().getPort() + "\n");
        routes.forEach((domain, hop) -> map.append(domain).append(" smtp:[").append(hop.replace(":", "]:")).append("\n"));
        Files.writeString(transport, map);
        postfix = PostfixInstance.start(POSTFIX, freePort(POSTFIX), keys.resolve("tls/cert.pem"), keys.resolve("tls/key.pem"),
                "transport_maps = texthash:" + transport + "\nsmtp_tls_security_level = none");
        Map<String, String> p = new HashMap<>();
        p.put("postloom.hostname", "relay.postloom.test");
        p.put("postloom.smtp.listen", POSTLOOM + ":0");
        p.put("postloom.admin.listen", POSTLOOM + ":0");
        p.put("postloom.spool.dir", work.resolve("spool").toString());
        p.put("postloom.dns.servers", "127.0.0.1:1");
        routes.forEach((domain, hop) -> p.put("postloom.routes.\"" + domain + "\"", hop));
        p.put("postloom.routes.\"pf.test\"", POSTFIX + ":" + postfix.port);
        postloom = Relay.start(ConfigLoader.of(p));
        postloomPort = postloom.smtpAddresses().getFirst().getPort();
    }

    @AfterAll
    static void stop() throws Exception {
        if (postloom != null) postloom.close();
        if (postfix != null) postfix.close();
        for (AutoCloseable c : new AutoCloseable[] {refusing, withoutDsn, withDsn, capture}) if (c != null) c.close();
    }

    @Test
    void theParametersTravelThroughPostfixUnchanged() throws Exception {
        send(POSTLOOM, postloomPort, false, "RET=HDRS ENVID=QQ+2B314+3Dx", "pass-1",
                "a@pf.test|NOTIFY=SUCCESS,DELAY ORCPT=rfc822;A+40pf.test", "b@pf.test|NOTIFY=NEVER");
        String dump = await(() -> withDsn.messages(), d -> d.contains("Subject: pass-1"));
        // Postfix decodes the xtext and encodes it again in its own way: '@' needs no +40, and it
        // adds an ORCPT where none came. Postloom passes on what it got byte for byte (see
        // DsnAndRequireTlsClientTest); through Postfix the values arrive the same once decoded.
        assertThat(dump).as("Postloom -> Postfix -> smtp-sink").contains("X-Mail-Args: <s@sender.test> ENVID=QQ+2B314+3Dx RET=HDRS\n")
                .contains("X-Rcpt-Args: <a@pf.test> ORCPT=rfc822;A@pf.test NOTIFY=SUCCESS,DELAY\n")
                .contains("X-Rcpt-Args: <b@pf.test> ORCPT=rfc822;b@pf.test NOTIFY=NEVER\n");
    }

    @Test
    void postloomAndPostfixAgreeOnAFailureReport() throws Exception {
        Map<String, ParsedReport> reports = fromBoth("RET=HDRS ENVID=cmp+2B1", "fail-1",
                "x@fail.test|NOTIFY=FAILURE ORCPT=rfc822;X+40fail.test", "y@fail.test");
        ParsedReport ours = reports.get("postloom"), theirs = reports.get("postfix");
        assertThat(ours.perMessage().get("Original-Envelope-Id")).isEqualTo(theirs.perMessage().get("Original-Envelope-Id"))
                .isEqualTo("cmp+1");
        assertAgree(ours, theirs, "Final-Recipient", "Action", "Status", "Remote-MTA", "Diagnostic-Code");
        assertThat(ours.perRecipient()).extracting(r -> r.get("Action")).containsOnly("failed");
        // Original-Recipient: the same where the sender gave ORCPT. Without ORCPT Postfix writes the
        // RCPT address there, Postloom leaves the field out (RFC 3464 2.3.1 makes it optional then).
        assertThat(originalRecipients(ours)).containsExactly("rfc822; X@fail.test", null);
        assertThat(originalRecipients(theirs)).containsExactly("rfc822;X@fail.test", "rfc822;y@fail.test");
        assertThat(ours.partTypes()).isEqualTo(theirs.partTypes())
                .containsExactly("text/plain", "message/delivery-status", "text/rfc822-headers");
        assertThat(ours.returnedSubject()).isEqualTo(theirs.returnedSubject()).isEqualTo("fail-1");
        for (ParsedReport r : reports.values()) assertThat(r.perMessage()).containsKeys("Reporting-MTA", "Arrival-Date");
        // Last-Attempt-Date is optional (RFC 3464 2.3.7): Postloom writes it, Postfix 3.7 does not.
        assertThat(ours.perRecipient()).allSatisfy(rcpt -> assertThat(rcpt).containsKey("Last-Attempt-Date"));
        assertThat(theirs.perRecipient()).allSatisfy(rcpt -> assertThat(rcpt).doesNotContainKey("Last-Attempt-Date"));
    }

    @Test
    void postloomAndPostfixAgreeOnARelayedReport() throws Exception {
        Map<String, ParsedReport> reports = fromBoth("RET=FULL ENVID=rel-1", "relay-1",
                "z@nodsn.test|NOTIFY=SUCCESS ORCPT=rfc822;Z+40nodsn.test", "w@nodsn.test|NOTIFY=FAILURE");
        ParsedReport ours = reports.get("postloom"), theirs = reports.get("postfix");
        assertThat(ours.headers().get("Content-Type")).isEqualTo(theirs.headers().get("Content-Type")).isEqualTo("multipart/report");
        assertAgree(ours, theirs, "Original-Recipient", "Final-Recipient", "Action", "Status", "Remote-MTA");
        assertThat(ours.perRecipient()).singleElement().satisfies(r -> assertThat(r).containsEntry("Action", "relayed"));
        assertThat(ours.partTypes()).as("both return the headers only, RET=FULL notwithstanding").isEqualTo(theirs.partTypes());
        assertThat(ours.perMessage().get("Original-Envelope-Id")).isEqualTo(theirs.perMessage().get("Original-Envelope-Id"));
    }

    /**
     * RFC 6533: an SMTPUTF8 message to a non-ASCII address that the next hop (smtp-sink offers no
     * SMTPUTF8) cannot take fails with 5.6.7, a judgement of the relay's own; both report it in the
     * internationalized forms.
     */
    @Test
    void postloomAndPostfixAgreeOnAnInternationalizedReport() throws Exception {
        Map<String, ParsedReport> reports = fromBoth("SMTPUTF8 RET=HDRS ENVID=u8-1", "utf8-1", "用户@fail.test|NOTIFY=FAILURE");
        ParsedReport ours = reports.get("postloom"), theirs = reports.get("postfix");
        // Neither names a Remote-MTA: the failure is the relay's own judgement, not a reply.
        assertAgree(ours, theirs, "Final-Recipient", "Action", "Status", "Remote-MTA");
        assertThat(ours.perRecipient()).singleElement().satisfies(r -> assertThat(r)
                .containsEntry("Final-Recipient", "utf-8; 用户@fail.test").containsEntry("Status", "5.6.7")
                .doesNotContainKey("Remote-MTA").containsEntry("Diagnostic-Code",
                        "X-Postloom; 553 5.6.7 Message needs SMTPUTF8, which the server does not offer"));
        // Where they differ: RFC 6522 3 makes report-type the second part's subtype, so Postloom says
        // global-delivery-status; Postfix 3.7 keeps delivery-status.
        assertThat(ours.headers()).containsEntry("report-type", "global-delivery-status");
        assertThat(theirs.headers()).containsEntry("report-type", "delivery-status");
        assertThat(ours.partTypes()).isEqualTo(theirs.partTypes());
        assertThat(ours.returnedSubject()).isEqualTo(theirs.returnedSubject()).isEqualTo("utf8-1");
    }

    @Test
    void aRequireTlsMessageToAHopWithoutTlsFailsWith5730AndItsReportLeaksNothing() throws Exception {
        send(POSTLOOM, postloomPort, true, "REQUIRETLS RET=FULL ENVID=rt-1", "the secret plans", "q@nodsn.test|NOTIFY=FAILURE");
        ParsedReport report = awaitReport("rt-1", "relay.postloom.test");
        assertThat(report.perRecipient()).singleElement().satisfies(r -> assertThat(r)
                .containsEntry("Action", "failed").containsEntry("Status", "5.7.30"));
        String raw = captured("rt-1", "relay.postloom.test");
        assertThat(raw).doesNotContain("the secret plans").doesNotContain("secret body");
        assertThat(withoutDsn.messages()).noneMatch(d -> d.contains("the secret plans"));
    }

    @Test
    void overVerifiedTlsToPostfixARequireTlsMessageFailsBecausePostfix37DoesNotOfferIt() throws Exception {
        var material = KeyMaterial.loadOrCreate(Optional.empty(), Optional.empty(), work.resolve("postfix-keys"), "mx.pf.test");
        var trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("postfix", material.certificate());
        ClientSettings verified = ClientSettings.defaults("courier.postloom.test")
                .withTlsPolicy(TlsPolicy.REQUIRED_VERIFIED).withVerifier(ClientTls.verifying(trust));
        try (OutboundConnection connection = OutboundConnection.open(new InetSocketAddress(POSTFIX, postfix.port), "mx.pf.test",
                verified)) {
            assertThat(connection.tlsDescription()).startsWith("TLSv1.");
            assertThat(connection.serverAuthenticated()).isTrue();
            assertThat(connection.capabilities().requireTls()).isFalse();
            Envelope envelope = new Envelope(new QueueId("RT2"), new Mailbox("s", "sender.test"), List.of(new Mailbox("t", "pf.test")),
                    Envelope.BodyType.SEVEN_BIT, false, Instant.now(), "test", "", DsnRequest.NONE, List.of(RecipientDsn.NONE), true);
            List<Outcome> outcomes = connection.send(envelope, List.of(0),
                    MessageBody.of("Subject: x\r\n\r\nsecret\r\n".getBytes(StandardCharsets.US_ASCII)));
            assertThat(outcomes).singleElement().satisfies(o -> {
                assertThat(o).isInstanceOf(Outcome.Failed.class);
                assertThat(o.reply().status()).isEqualTo("5.7.30");
                assertThat(o.reply().toString()).contains("does not offer REQUIRETLS");
            });
            connection.quit();
        }
    }

    // --- helpers

    /** Sends the same message to Postloom and to Postfix; returns each one's report, by relay. */
    private static Map<String, ParsedReport> fromBoth(String mailOptions, String subject, String... rcpts) throws Exception {
        String envid = mailOptions.replaceAll(".*ENVID=(\\S+).*", "$1").replace("+2B", "+");
        send(POSTLOOM, postloomPort, false, mailOptions, subject, rcpts);
        send(POSTFIX, postfix.port, false, mailOptions, subject, rcpts);
        return Map.of("postloom", awaitReport(envid, "relay.postloom.test"), "postfix", awaitReport(envid, "postfix.interop.test"));
    }

    /** For each recipient (matched by Final-Recipient), the fields agree, and both reports list the same recipients. */
    private static void assertAgree(ParsedReport ours, ParsedReport theirs, String... fields) {
        System.out.println("DSN fields, Postloom | Postfix 3.7:\n  " + ours.perMessage() + "\n  " + theirs.perMessage()
                + "\n  " + ours.perRecipient() + "\n  " + theirs.perRecipient());
        assertThat(normalized(ours.perRecipient(), fields)).as("Postloom (left) and Postfix (right) per-recipient fields")
                .containsExactlyInAnyOrderElementsOf(normalized(theirs.perRecipient(), fields));
    }

    /** RFC 3464 fields as values, with the optional space after "type;" removed (both forms are allowed). */
    private static List<Map<String, String>> normalized(List<Map<String, String>> recipients, String... fields) {
        List<Map<String, String>> out = new ArrayList<>();
        for (Map<String, String> r : recipients) {
            Map<String, String> m = new HashMap<>();
            for (String f : fields) m.put(f, r.getOrDefault(f, "(absent)").replaceFirst("^([\\w-]+); ?", "$1;"));
            out.add(m);
        }
        return out;
    }

    /** Original-Recipient of x@fail.test, then of y@fail.test (null when absent). */
    private static List<String> originalRecipients(ParsedReport report) {
        return java.util.stream.Stream.of("x@fail.test", "y@fail.test").map(address -> report.perRecipient().stream()
                .filter(r -> r.get("Final-Recipient").endsWith(address)).findFirst().orElseThrow().get("Original-Recipient"))
                .toList();
    }

    private static void send(String host, int port, boolean startTls, String mailOptions, String subject, String... rcpts)
            throws Exception {
        List<String> command = new ArrayList<>(List.of("python3", SEND.toString(), host, String.valueOf(port),
                startTls ? "1" : "0", "s@sender.test", mailOptions));
        command.addAll(List.of(rcpts));
        Process python = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (var in = python.getOutputStream()) {
            in.write(("From: <s@sender.test>\r\nTo: <r@example.test>\r\nDate: Tue, 1 Dec 2026 10:00:00 +0000\r\n"
                    + "Message-ID: <" + subject.replace(' ', '-') + "@sender.test>\r\nSubject: " + subject
                    + "\r\n\r\nthe secret body\r\n").getBytes(StandardCharsets.US_ASCII));
        }
        String said = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(python.waitFor(60, TimeUnit.SECONDS) && python.exitValue() == 0).as("send.py: " + said).isTrue();
    }

    private static ParsedReport awaitReport(String envid, String reportingMta) throws Exception {
        // The capture is the wire's octets one char each (ISO-8859-1): back to the very same octets.
        return ParsedReport.parse(captured(envid, reportingMta).getBytes(StandardCharsets.ISO_8859_1));
    }

    /** The report that names this envelope id and reporting MTA, as it arrived at the capturing sink. */
    private static String captured(String envid, String reportingMta) throws Exception {
        return await(() -> capture.accepted.stream().map(CapturingSink.Delivery::content).toList(),
                c -> c.contains("Original-Envelope-Id: " + envid + "\r\n") && c.contains("Reporting-MTA: dns; " + reportingMta));
    }

    interface Source {
        List<String> get() throws IOException;
    }

    private static String await(Source source, Predicate<String> wanted) throws Exception {
        if (Await.within(Duration.ofSeconds(60), () -> source.get().stream().anyMatch(wanted))) {
            return source.get().stream().filter(wanted).findFirst().orElseThrow();
        }
        throw new AssertionError("nothing arrived in time\nPostfix log:\n" + postfix.log());
    }

    private static String hostPort(InetSocketAddress a) {
        return a.getHostString() + ":" + a.getPort();
    }

    private static int freePort(String host) throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName(host))) {
            return probe.getLocalPort();
        }
    }
}
