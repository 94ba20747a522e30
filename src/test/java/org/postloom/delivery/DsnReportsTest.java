package org.postloom.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.postloom.mail.DsnRequest;
import org.postloom.mail.Envelope;
import org.postloom.mail.Mailbox;
import org.postloom.mail.QueueId;
import org.postloom.mail.RecipientDsn;
import org.postloom.mail.RecipientDsn.Notify;
import org.postloom.smtp.MemoryStore;
import org.postloom.spool.RecipientState;
import org.postloom.spool.SpooledMessage;

/** Reports (RFC 3464) as Python's email package reads them, field by field. */
class DsnReportsTest {

    static final Instant ARRIVAL = Instant.parse("2026-12-01T08:00:00Z");
    static final Clock NOW = Clock.fixed(Instant.parse("2026-12-01T09:30:00Z"), ZoneOffset.UTC);
    static final String ORIGINAL = "Subject: the plans\r\nFrom: s@sender.test\r\n\r\nthe secret body\r\n";

    final MemoryStore store = new MemoryStore();

    static SpooledMessage message(Mailbox sender, DsnRequest dsn, boolean requireTls, RecipientDsn... rcptDsn) {
        List<Mailbox> rcpts = java.util.stream.IntStream.range(0, rcptDsn.length)
                .mapToObj(i -> new Mailbox("r" + i, "dest.test")).toList();
        var envelope = new Envelope(new QueueId("Q1"), sender, rcpts, Envelope.BodyType.SEVEN_BIT, false, ARRIVAL,
                "client.test [127.0.0.1]", "", dsn, List.of(rcptDsn), requireTls);
        return new SpooledMessage(envelope, Collections.nCopies(rcpts.size(), RecipientState.PENDING), ORIGINAL.length());
    }

    Bouncer bouncer(long sizeLimit) {
        return new Bouncer(store, m -> new ByteArrayInputStream(ORIGINAL.getBytes(StandardCharsets.US_ASCII)), "relay.test",
                NOW, sizeLimit);
    }

    ParsedReport onlyReport() throws Exception {
        assertThat(store.committed()).hasSize(1);
        var stored = store.committed().getFirst();
        assertThat(stored.envelope().sender().isNull()).as("reports come from the null sender").isTrue();
        ParsedReport report = ParsedReport.parse(stored.body());
        assertThat(report.defects()).isEmpty();
        return report;
    }

    @Test
    void aFailureReportCarriesEveryRfc3464FieldAndListsOnlyTheRecipientsThatAskedForIt() throws Exception {
        var message = message(new Mailbox("s", "sender.test"), new DsnRequest(DsnRequest.Return.HDRS, "QQ+2B314"), false,
                new RecipientDsn(Set.of(Notify.FAILURE), "rfc822;Orig+40Example.test"),
                new RecipientDsn(Set.of(Notify.NEVER), ""),
                RecipientDsn.NONE);
        bouncer(1_000_000).failed(message, List.of(
                new Bouncer.Notice(0, "5.1.1", "550 5.1.1 <r0@dest.test>: no such user", "mx.dest.test"),
                new Bouncer.Notice(1, "5.1.1", "550 5.1.1 <r1@dest.test>: no such user", "mx.dest.test"),
                new Bouncer.Notice(2, "5.4.7", "gave up after 5 days", "")));
        ParsedReport report = onlyReport();
        assertThat(report.headers()).containsEntry("Content-Type", "multipart/report")
                .containsEntry("report-type", "delivery-status").containsEntry("To", "<s@sender.test>")
                .containsEntry("Subject", "Undelivered Mail Returned to Sender");
        assertThat(report.partTypes()).containsExactly("text/plain", "message/delivery-status", "text/rfc822-headers");
        assertThat(report.perMessage()).containsEntry("Original-Envelope-Id", "QQ+314")
                .containsEntry("Reporting-MTA", "dns; relay.test")
                .containsEntry("Arrival-Date", "Tue, 1 Dec 2026 08:00:00 +0000");
        assertThat(report.perRecipient()).as("NOTIFY=NEVER is left out").hasSize(2);
        assertThat(report.perRecipient().get(0)).containsExactly(
                entry("Original-Recipient", "rfc822; Orig@Example.test"), entry("Final-Recipient", "rfc822; r0@dest.test"),
                entry("Action", "failed"), entry("Status", "5.1.1"), entry("Remote-MTA", "dns; mx.dest.test"),
                entry("Diagnostic-Code", "smtp; 550 5.1.1 <r0@dest.test>: no such user"),
                entry("Last-Attempt-Date", "Tue, 1 Dec 2026 09:30:00 +0000"));
        assertThat(report.perRecipient().get(1)).doesNotContainKeys("Original-Recipient", "Remote-MTA")
                .containsEntry("Final-Recipient", "rfc822; r2@dest.test").containsEntry("Status", "5.4.7");
        assertThat(report.returnedSubject()).isEqualTo("the plans");
        assertThat(report.returnedBody()).doesNotContain("the secret body");
    }

    @Test
    void retFullReturnsTheWholeMessageWithinTheSizeLimitAndOnlyItsHeadersBeyond() throws Exception {
        var message = message(new Mailbox("s", "sender.test"), new DsnRequest(DsnRequest.Return.FULL, ""), false,
                RecipientDsn.NONE);
        bouncer(1_000_000).failed(message, List.of(new Bouncer.Notice(0, "5.1.1", "550 5.1.1 no", "mx.dest.test")));
        ParsedReport full = onlyReport();
        assertThat(full.partTypes()).containsExactly("text/plain", "message/delivery-status", "message/rfc822");
        assertThat(full.perMessage()).doesNotContainKey("Original-Envelope-Id");
        assertThat(full.returnedSubject()).isEqualTo("the plans");
        assertThat(full.returnedBody()).isEqualTo("the secret body\r\n");

        store.committed().clear();
        bouncer(1_000).failed(message, List.of(new Bouncer.Notice(0, "5.1.1", "550 5.1.1 no", "mx.dest.test")));
        ParsedReport tooBig = onlyReport();
        assertThat(tooBig.partTypes().get(2)).isEqualTo("text/rfc822-headers");
        assertThat(tooBig.returnedBody()).doesNotContain("the secret body");
    }

    @Test
    void aRequireTlsMessageIsNeverReturnedNotEvenItsHeaders() throws Exception {
        var message = message(new Mailbox("s", "sender.test"), new DsnRequest(DsnRequest.Return.FULL, "id1"), true,
                RecipientDsn.NONE);
        bouncer(1_000_000).failed(message, List.of(new Bouncer.Notice(0, "5.7.30", "550 5.7.30 REQUIRETLS support required", "")));
        String text = store.committed().getFirst().text();
        assertThat(text).doesNotContain("the plans").doesNotContain("the secret body");
        ParsedReport report = onlyReport();
        assertThat(report.partTypes()).containsExactly("text/plain", "message/delivery-status", "text/plain");
        assertThat(report.perRecipient().getFirst()).containsEntry("Status", "5.7.30").containsEntry("Action", "failed");
    }

    @Test
    void delayAndRelayReportsFollowNotifyAndCarryTheirAction() throws Exception {
        var message = message(new Mailbox("s", "sender.test"), new DsnRequest(DsnRequest.Return.FULL, ""), false,
                RecipientDsn.NONE,                                     // default: FAILURE,DELAY
                new RecipientDsn(Set.of(Notify.SUCCESS), ""),
                new RecipientDsn(Set.of(Notify.SUCCESS, Notify.DELAY), ""));
        Instant until = Instant.parse("2026-12-06T08:00:00Z");
        List<Bouncer.Notice> all = List.of(0, 1, 2).stream()
                .map(i -> new Bouncer.Notice(i, "4.2.0", "450 4.2.0 try later", "mx.dest.test", Optional.of(until))).toList();
        bouncer(1_000_000).delayed(message, all);
        ParsedReport delayed = onlyReport();
        assertThat(delayed.headers()).containsEntry("Subject", "Delayed Mail (still being retried)");
        assertThat(delayed.perRecipient()).extracting(r -> r.get("Final-Recipient"))
                .containsExactly("rfc822; r0@dest.test", "rfc822; r2@dest.test");
        assertThat(delayed.perRecipient()).allSatisfy(r -> assertThat(r).containsEntry("Action", "delayed")
                .containsEntry("Will-Retry-Until", "Sun, 6 Dec 2026 08:00:00 +0000"));
        assertThat(delayed.partTypes().get(2)).as("RET=FULL is for failures only").isEqualTo("text/rfc822-headers");

        store.committed().clear();
        bouncer(1_000_000).relayed(message, List.of(0, 1, 2).stream()
                .map(i -> new Bouncer.Notice(i, "2.0.0", "250 2.0.0 Ok: queued", "mx.dest.test")).toList());
        ParsedReport relayed = onlyReport();
        assertThat(relayed.headers()).containsEntry("Subject", "Successful Mail Delivery Report");
        assertThat(relayed.perRecipient()).extracting(r -> r.get("Final-Recipient"))
                .containsExactly("rfc822; r1@dest.test", "rfc822; r2@dest.test");
        assertThat(relayed.perRecipient()).allSatisfy(r -> assertThat(r).containsEntry("Action", "relayed")
                .containsEntry("Status", "2.0.0").containsEntry("Remote-MTA", "dns; mx.dest.test"));
    }

    /** RFC 6533: SMTPUTF8 with non-ASCII addresses gets the global types and utf-8 addresses in UTF-8. */
    @Test
    void anInternationalizedMessageGetsAGlobalReportWithUtf8Addresses() throws Exception {
        String original = "Subject: Grüße\r\nFrom: s@sender.test\r\n\r\nthe body\r\n";
        var envelope = new Envelope(new QueueId("Q2"), new Mailbox("s", "sender.test"),
                List.of(new Mailbox("用户", "dest.test"), new Mailbox("ann", "dest.test")), Envelope.BodyType.EIGHT_BIT_MIME,
                true, ARRIVAL, "client.test [127.0.0.1]", "", new DsnRequest(DsnRequest.Return.HDRS, ""),
                List.of(new RecipientDsn(Set.of(), "utf-8;\\x{7528}\\x{6237}+40dest.test"), RecipientDsn.NONE), false);
        var message = new SpooledMessage(envelope, List.of(RecipientState.PENDING, RecipientState.PENDING), original.length());
        var bouncer = new Bouncer(store, m -> new ByteArrayInputStream(original.getBytes(StandardCharsets.UTF_8)),
                "relay.test", NOW, 1_000_000);
        bouncer.failed(message, List.of(new Bouncer.Notice(0, "5.1.1", "550 5.1.1 用户 unknown", "mx.dest.test"),
                new Bouncer.Notice(1, "5.1.1", "550 5.1.1 ann unknown", "mx.dest.test")));
        ParsedReport report = onlyReport();
        assertThat(report.headers()).containsEntry("report-type", "global-delivery-status");
        assertThat(report.partTypes()).containsExactly("text/plain", "message/global-delivery-status", "message/global-headers");
        assertThat(report.perMessage()).containsEntry("Reporting-MTA", "dns; relay.test");
        assertThat(report.perRecipient()).hasSize(2);
        assertThat(report.perRecipient().get(0)).containsExactly(
                entry("Original-Recipient", "utf-8; 用户@dest.test"), entry("Final-Recipient", "utf-8; 用户@dest.test"),
                entry("Action", "failed"), entry("Status", "5.1.1"), entry("Remote-MTA", "dns; mx.dest.test"),
                entry("Diagnostic-Code", "smtp; 550 5.1.1 用户 unknown"),
                entry("Last-Attempt-Date", "Tue, 1 Dec 2026 09:30:00 +0000"));
        assertThat(report.perRecipient().get(1)).containsEntry("Final-Recipient", "rfc822; ann@dest.test");
        assertThat(report.returnedSubject()).isEqualTo("Grüße");
        assertThat(report.returnedBody()).doesNotContain("the body");

        store.committed().clear();
        var full = new SpooledMessage(new Envelope(envelope.queueId(), envelope.sender(), envelope.recipients(),
                envelope.body(), true, ARRIVAL, envelope.client(), "", new DsnRequest(DsnRequest.Return.FULL, ""),
                envelope.recipientDsn(), false), message.recipients(), original.length());
        bouncer.failed(full, List.of(new Bouncer.Notice(0, "5.1.1", "550 5.1.1 no", "mx.dest.test")));
        ParsedReport whole = onlyReport();
        assertThat(whole.partTypes()).containsExactly("text/plain", "message/global-delivery-status", "message/global");
        assertThat(whole.returnedSubject()).isEqualTo("Grüße");
        assertThat(whole.returnedBody()).isEqualTo("the body\r\n");
    }

    @Test
    void smtpUtf8WithAsciiAddressesKeepsThePlainTypes() throws Exception {
        var ascii = message(new Mailbox("s", "sender.test"), DsnRequest.NONE, false, RecipientDsn.NONE);
        var envelope = ascii.envelope();
        var utf8 = new SpooledMessage(new Envelope(envelope.queueId(), envelope.sender(), envelope.recipients(),
                envelope.body(), true, ARRIVAL, envelope.client(), ""), ascii.recipients(), ascii.bodySize());
        bouncer(1_000_000).failed(utf8, List.of(new Bouncer.Notice(0, "5.1.1", "550 5.1.1 no", "mx.dest.test")));
        ParsedReport report = onlyReport();
        assertThat(report.headers()).containsEntry("report-type", "delivery-status");
        assertThat(report.partTypes()).containsExactly("text/plain", "message/delivery-status", "text/rfc822-headers");
    }

    @Test
    void noReportEverGoesToTheNullSender() throws Exception {
        var message = message(Mailbox.NULL, DsnRequest.NONE, false, new RecipientDsn(Set.of(Notify.SUCCESS, Notify.FAILURE), ""));
        bouncer(1_000_000).failed(message, List.of(new Bouncer.Notice(0, "5.1.1", "550 5.1.1 no", "mx.dest.test")));
        bouncer(1_000_000).relayed(message, List.of(new Bouncer.Notice(0, "2.0.0", "250 ok", "mx.dest.test")));
        assertThat(store.committed()).isEmpty();
    }

    private static Map.Entry<String, String> entry(String key, String value) {
        return Map.entry(key, value);
    }
}
