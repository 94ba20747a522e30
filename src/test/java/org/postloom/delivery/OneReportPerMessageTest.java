package org.postloom.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.postloom.delivery.DsnOutcomesTest.open;
import static org.postloom.delivery.DsnOutcomesTest.recorder;
import static org.postloom.delivery.DsnOutcomesTest.reports;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.delivery.client.Outcome;
import org.postloom.intake.MessageStore;
import org.postloom.mail.DsnRequest;
import org.postloom.mail.Envelope;
import org.postloom.mail.Mailbox;
import org.postloom.mail.RecipientDsn;
import org.postloom.mail.RecipientDsn.Notify;
import org.postloom.smtp.Reply;
import org.postloom.spool.RecipientState;
import org.postloom.spool.Spool;
import org.postloom.spool.SpooledMessage;
import org.postloom.testing.Defaults;

/**
 * One report per message and kind (RFC 3461 4.1, issue 16), whatever the number of attempts, sites
 * and restarts it took; local failures name no Remote-MTA and type their Diagnostic-Code
 * {@code X-Postloom} (RFC 3464 2.3.5, 2.3.6). Through a real spool, reports read by Python's
 * email package.
 */
class OneReportPerMessageTest {

    static final Instant ARRIVAL = Instant.parse("2026-12-01T08:00:00Z");
    static final NextHop A = new NextHop.Mx("a.test"), B = new NextHop.Mx("b.test");
    static final Outcome LATER = new Outcome.Deferred(Reply.of(451, "4.3.0", "try later"), Outcome.Scope.SITE, true);

    @TempDir
    Path dir;

    @Test
    void recipientsFailingInDifferentAttemptsAndAcrossARestartGetOneFailureReport() throws Exception {
        MutableClock clock = new MutableClock(ARRIVAL.plusSeconds(60));
        SpooledMessage message;
        try (Spool spool = open(dir)) {
            message = queue(spool, List.of(RecipientDsn.NONE, RecipientDsn.NONE, RecipientDsn.NONE, RecipientDsn.NONE));
            RecorderFixture recorder = recorder(spool, clock);
            recorder.record("test", "mx.a.test", Parcel.of(message, List.of(0, 1), A), List.of(
                    new Outcome.Failed(SuppressingTransport.SUPPRESSED, Outcome.Scope.RECIPIENT),
                    new Outcome.Failed(Reply.of(550, "5.1.2", "Host or domain name not found: a.test"), Outcome.Scope.RECIPIENT)));
            recorder.record("test", "mx.b.test", Parcel.of(message, List.of(2, 3), B), List.of(LATER,
                    new Outcome.Failed(Reply.of(550, "5.1.1", "no such user"), Outcome.Scope.RECIPIENT, true)));
            assertThat(reports(spool)).as("recipient r2 is still open").isEmpty();
        }
        try (Spool spool = open(dir)) {
            SpooledMessage recovered = spool.message(message.queueId()).orElseThrow();
            clock.advance(Defaults.retryPolicy().maxLifetime());
            recorder(spool, clock).record("test", "mx.b.test", Parcel.of(recovered, List.of(2), B), List.of(LATER));
            List<ParsedReport> all = reports(spool);
            assertThat(all).as("one report for the message").hasSize(1);
            ParsedReport failed = all.getFirst();
            assertThat(failed.headers()).containsEntry("Subject", "Undelivered Mail Returned to Sender");
            List<Map<String, String>> rcpts = failed.perRecipient();
            assertThat(rcpts).extracting(r -> r.get("Final-Recipient")).containsExactly(
                    "rfc822; r0@dest.test", "rfc822; r1@dest.test", "rfc822; r2@dest.test", "rfc822; r3@dest.test");
            assertThat(rcpts).allSatisfy(r -> assertThat(r).containsEntry("Action", "failed"));
            assertThat(rcpts.get(0)).as("suppressed").doesNotContainKey("Remote-MTA").containsEntry("Status", "5.7.1")
                    .containsEntry("Diagnostic-Code", "X-Postloom; 550 5.7.1 Recipient address is on the suppression list (not attempted)")
                    .containsEntry("Last-Attempt-Date", "Tue, 1 Dec 2026 08:01:00 +0000");
            assertThat(rcpts.get(1)).as("no such domain").doesNotContainKey("Remote-MTA").containsEntry("Status", "5.1.2")
                    .containsEntry("Diagnostic-Code", "X-Postloom; 550 5.1.2 Host or domain name not found: a.test");
            assertThat(rcpts.get(2)).as("expired").doesNotContainKey("Remote-MTA").containsEntry("Status", "5.4.7")
                    .containsEntry("Diagnostic-Code", "X-Postloom; gave up after 5 days in the queue; last reply: 451 4.3.0 try later");
            assertThat(rcpts.get(3)).as("refused by the next hop")
                    .containsEntry("Remote-MTA", "dns; mx.b.test").containsEntry("Status", "5.1.1")
                    .containsEntry("Diagnostic-Code", "smtp; 550 5.1.1 no such user");
            assertThat(spool.message(message.queueId())).as("the message is done").isEmpty();
        }
        try (Spool spool = open(dir)) {
            assertThat(reports(spool)).as("nothing reported twice after another restart").hasSize(1);
        }
    }

    @Test
    void oneDelayReportListsTheDeferredRecipientsOfEverySiteAndOneRelayReportAllRelayedOnes() throws Exception {
        MutableClock clock = new MutableClock(ARRIVAL.plusSeconds(60));
        var both = new RecipientDsn(Set.of(Notify.SUCCESS, Notify.DELAY, Notify.FAILURE), "");
        SpooledMessage message;
        try (Spool spool = open(dir)) {
            message = queue(spool, List.of(both, both, new RecipientDsn(Set.of(Notify.FAILURE), "")));
            RecorderFixture recorder = recorder(spool, clock);
            recorder.record("test", "", Parcel.of(message, List.of(0), A), List.of(
                    new Outcome.Deferred(Reply.of(421, "4.4.1", "Connection refused"), Outcome.Scope.SITE)));
            recorder.record("test", "mx.b.test", Parcel.of(message, List.of(1, 2), B), List.of(LATER, LATER));

            clock.advance(Duration.ofHours(4));
            recorder.record("test", "", Parcel.of(message, List.of(0), A), List.of(
                    new Outcome.Deferred(Reply.of(421, "4.4.1", "Connection refused"), Outcome.Scope.SITE)));
            List<ParsedReport> delayed = reports(spool);
            assertThat(delayed).as("one delay report, for the deferrals of both sites").hasSize(1);
            List<Map<String, String>> rcpts = delayed.getFirst().perRecipient();
            assertThat(rcpts).as("r2's NOTIFY leaves out DELAY").extracting(r -> r.get("Final-Recipient"))
                    .containsExactly("rfc822; r0@dest.test", "rfc822; r1@dest.test");
            assertThat(rcpts.get(0)).containsEntry("Action", "delayed").containsEntry("Status", "4.4.1")
                    .doesNotContainKey("Remote-MTA").containsEntry("Diagnostic-Code", "X-Postloom; 421 4.4.1 Connection refused")
                    .containsEntry("Last-Attempt-Date", "Tue, 1 Dec 2026 12:01:00 +0000");
            assertThat(rcpts.get(1)).as("r1, from what the spool kept of its own attempt")
                    .containsEntry("Remote-MTA", "dns; mx.b.test").containsEntry("Diagnostic-Code", "smtp; 451 4.3.0 try later")
                    .containsEntry("Last-Attempt-Date", "Tue, 1 Dec 2026 08:01:00 +0000")
                    .containsEntry("Will-Retry-Until", "Sun, 6 Dec 2026 08:00:00 +0000");

            clock.advance(Duration.ofHours(1));
            recorder.record("test", "mx.b.test", Parcel.of(message, List.of(1, 2), B), List.of(LATER, LATER));
            assertThat(reports(spool)).as("the delay was reported once for the message").hasSize(1);
        }
        try (Spool spool = open(dir)) {
            SpooledMessage recovered = spool.message(message.queueId()).orElseThrow();
            RecorderFixture recorder = recorder(spool, clock);
            Outcome relayed = new Outcome.Delivered(Reply.of(250, "2.0.0", "Ok: queued"), false);
            recorder.record("test", "mx.a.test", Parcel.of(recovered, List.of(0), A), List.of(relayed));
            assertThat(reports(spool)).as("the marks survived the restart; r1 and r2 still open").hasSize(1);
            recorder.record("test", "mx.b.test", Parcel.of(recovered, List.of(1, 2), B), List.of(relayed, relayed));
            List<ParsedReport> all = reports(spool);
            assertThat(all).hasSize(2);
            assertThat(all.get(1).headers()).containsEntry("Subject", "Successful Mail Delivery Report");
            assertThat(all.get(1).perRecipient()).as("both relayed recipients that asked, in one report")
                    .extracting(r -> r.get("Final-Recipient") + " " + r.get("Remote-MTA"))
                    .containsExactly("rfc822; r0@dest.test dns; mx.a.test", "rfc822; r1@dest.test dns; mx.b.test");
        }
    }

    /** Two couriers end the two sites' items of one message at the same moment: one report, never none or two. */
    @Test
    void twoItemsOfAMessageRecordedAtOnceMakeExactlyOneReport() throws Exception {
        try (Spool spool = open(dir)) {
            RecorderFixture recorder = recorder(spool, new MutableClock(ARRIVAL.plusSeconds(60)));
            Outcome refused = new Outcome.Failed(Reply.of(550, "5.1.1", "no such user"), Outcome.Scope.RECIPIENT, true);
            int messages = 20;
            for (int n = 0; n < messages; n++) {
                SpooledMessage message = queue(spool, List.of(RecipientDsn.NONE, RecipientDsn.NONE));
                var together = new java.util.concurrent.CyclicBarrier(2);
                List<Thread> couriers = List.of(A, B).stream().map(hop -> Thread.ofVirtual().start(() -> {
                    int rcpt = hop == A ? 0 : 1;
                    try {
                        together.await();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    recorder.record("test", "mx." + hop, Parcel.of(message, List.of(rcpt), hop), List.of(refused));
                })).toList();
                for (Thread t : couriers) t.join();
            }
            List<SpooledMessage> queued = spool.messages();
            assertThat(queued).as("only reports are left").allMatch(m -> m.envelope().sender().isNull());
            assertThat(queued).as("one report per message").hasSize(messages);
        }
    }

    @Test
    void aDeleteWithoutBounceSilencesOnlyTheRecipientsItEnds() throws Exception {
        try (Spool spool = open(dir)) {
            MutableClock clock = new MutableClock(ARRIVAL.plusSeconds(60));
            SpooledMessage message = queue(spool, List.of(RecipientDsn.NONE, RecipientDsn.NONE));
            recorder(spool, clock).record("test", "mx.a.test", Parcel.of(message, List.of(0, 1), A), List.of(
                    new Outcome.Failed(Reply.of(550, "5.1.1", "no such user"), Outcome.Scope.RECIPIENT, true), LATER));
            assertThat(reports(spool)).as("r1 is still open").isEmpty();
            var bouncer = new Bouncer(spool, m -> spool.openBody(m.queueId()), "relay.test", clock, 1_000_000);
            new MessageReports(spool, bouncer).record(spool.message(message.queueId()).orElseThrow(),
                    Map.of(1, new RecipientState.Failed("deleted by the operator")),
                    new MessageReports.Occasion(clock.instant(), false, clock.instant(), false));
            List<ParsedReport> all = reports(spool);
            assertThat(all).as("the real failure is still reported").hasSize(1);
            assertThat(all.getFirst().perRecipient()).extracting(r -> r.get("Final-Recipient"))
                    .containsExactly("rfc822; r0@dest.test");
            assertThat(spool.message(message.queueId())).isEmpty();
        }
    }

    @Test
    void withBounceMessagesOffNoReportIsQueuedAndTheMessageStillEnds() throws Exception {
        try (Spool spool = open(dir)) {
            SpooledMessage message = queue(spool, List.of(RecipientDsn.NONE));
            MutableClock clock = new MutableClock(ARRIVAL);
            Bouncer silent = new Bouncer(spool, m -> spool.openBody(m.queueId()), "relay.test", clock, 1_000_000)
                    .withMessages(false);
            new RecorderFixture(spool, silent, clock)
                    .record("test", "mx.a.test", Parcel.of(message, List.of(0), A), List.of(
                            new Outcome.Failed(Reply.of(550, "5.1.1", "no such user"), Outcome.Scope.RECIPIENT, true)));
            assertThat(spool.messages()).as("no report queued, and the message is done").isEmpty();
        }
    }

    private static SpooledMessage queue(Spool spool, List<RecipientDsn> dsn) throws Exception {
        List<Mailbox> rcpts = java.util.stream.IntStream.range(0, dsn.size()).mapToObj(i -> new Mailbox("r" + i, "dest.test")).toList();
        var env = new Envelope(spool.newQueueId(), new Mailbox("s", "sender.test"), rcpts, Envelope.BodyType.SEVEN_BIT, false,
                ARRIVAL, "test [127.0.0.1]", "", new DsnRequest(DsnRequest.Return.HDRS, "env-1"), dsn, false);
        try (MessageStore.Reception r = spool.receive(env)) {
            r.body().write("Subject: t\r\n\r\nhi\r\n".getBytes(StandardCharsets.US_ASCII));
            r.commit();
        }
        return spool.message(env.queueId()).orElseThrow();
    }
}
