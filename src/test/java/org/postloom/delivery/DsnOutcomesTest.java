package org.postloom.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.delivery.client.Outcome;
import org.postloom.mail.DsnRequest;
import org.postloom.mail.Envelope;
import org.postloom.mail.Mailbox;
import org.postloom.mail.RecipientDsn;
import org.postloom.mail.RecipientDsn.Notify;
import org.postloom.smtp.Reply;
import org.postloom.intake.MessageStore;
import org.postloom.spool.Spool;
import org.postloom.spool.SpooledMessage;
import org.postloom.testing.Defaults;

/**
 * Which reports one attempt's outcomes call for, through a real spool and across a restart: a
 * DELAY report once per recipient past the delay warning, a relayed report when the next hop did
 * not take the DSN parameters, each only for recipients whose NOTIFY asks for it.
 */
class DsnOutcomesTest {

    static final Instant ARRIVAL = Instant.parse("2026-12-01T08:00:00Z");
    static final NextHop HOP = new NextHop.Mx("dest.test");

    @TempDir
    Path dir;

    @Test
    void delayIsReportedOncePerRecipientEvenAcrossARestartAndRelayOnlyToThoseWhoAsked() throws Exception {
        MutableClock clock = new MutableClock(ARRIVAL.plus(Duration.ofHours(1)));
        Outcome later = new Outcome.Deferred(Reply.of(451, "4.3.0", "try later"), Outcome.Scope.SITE);
        SpooledMessage message;
        try (Spool spool = open()) {
            message = queue(spool);
            RecorderFixture recorder = recorder(spool, clock);
            Parcel item = Parcel.of(message, List.of(0, 1), HOP);
            recorder.record("test", "", item, List.of(later, later));
            assertThat(reports(spool)).as("before the delay warning").isEmpty();

            clock.advance(Duration.ofHours(4));
            recorder.record("test", "mx.dest.test", item, List.of(later, later));
            List<ParsedReport> delayed = reports(spool);
            assertThat(delayed).hasSize(1);
            assertThat(delayed.getFirst().perRecipient()).as("NOTIFY=SUCCESS does not ask for delays").singleElement()
                    .satisfies(r -> assertThat(r).containsEntry("Final-Recipient", "rfc822; r0@dest.test")
                            .containsEntry("Action", "delayed").containsEntry("Status", "4.3.0"));

            clock.advance(Duration.ofHours(1));
            recorder.record("test", "mx.dest.test", item, List.of(later, later));
            assertThat(reports(spool)).as("once per recipient").hasSize(1);
        }
        try (Spool spool = open()) {
            SpooledMessage recovered = spool.message(message.queueId()).orElseThrow();
            RecorderFixture recorder = recorder(spool, clock);
            clock.advance(Duration.ofHours(1));
            recorder.record("test", "mx.dest.test", Parcel.of(recovered, List.of(0, 1), HOP), List.of(later, later));
            assertThat(reports(spool)).as("the mark is durable").hasSize(1);

            Outcome relayed = new Outcome.Delivered(Reply.of(250, "2.0.0", "Ok: queued"), false);
            recorder.record("test", "mx.dest.test", Parcel.of(recovered, List.of(0, 1), HOP), List.of(relayed, relayed));
            List<ParsedReport> all = reports(spool);
            assertThat(all).hasSize(2);
            assertThat(all.get(1).headers()).containsEntry("Subject", "Successful Mail Delivery Report");
            assertThat(all.get(1).perRecipient()).singleElement().satisfies(r -> assertThat(r)
                    .containsEntry("Final-Recipient", "rfc822; r1@dest.test").containsEntry("Action", "relayed")
                    .containsEntry("Remote-MTA", "dns; mx.dest.test"));
            assertThat(all.get(1).perMessage()).containsEntry("Original-Envelope-Id", "env-1");
        }
    }

    @Test
    void aDeliveryThatTookTheParametersOnOwesNoReport() throws Exception {
        try (Spool spool = open()) {
            SpooledMessage message = queue(spool);
            Outcome passedOn = new Outcome.Delivered(Reply.of(250, "2.0.0", "Ok"), true);
            recorder(spool, new MutableClock(ARRIVAL)).record("test", "mx.dest.test",
                    Parcel.of(message, List.of(0, 1), HOP), List.of(passedOn, passedOn));
            assertThat(reports(spool)).isEmpty();
            assertThat(spool.messages()).as("the message is done").isEmpty();
        }
    }

    private Spool open() throws Exception {
        return open(dir);
    }

    static Spool open(Path dir) throws Exception {
        return Spool.open(dir, Defaults.spoolOptions().withMinFreeSpace(0), m -> {});
    }

    static RecorderFixture recorder(Spool spool, MutableClock clock) {
        Bouncer bouncer = new Bouncer(spool, m -> spool.openBody(m.queueId()), "relay.test", clock, 1_000_000);
        return new RecorderFixture(spool, bouncer, clock);
    }

    private static SpooledMessage queue(Spool spool) throws Exception {
        var env = new Envelope(spool.newQueueId(), new Mailbox("s", "sender.test"),
                List.of(new Mailbox("r0", "dest.test"), new Mailbox("r1", "dest.test")), Envelope.BodyType.SEVEN_BIT, false,
                ARRIVAL, "test [127.0.0.1]", "", new DsnRequest(DsnRequest.Return.HDRS, "env-1"),
                List.of(RecipientDsn.NONE, new RecipientDsn(Set.of(Notify.SUCCESS), "")), false);
        try (MessageStore.Reception r = spool.receive(env)) {
            r.body().write("Subject: t\r\n\r\nhi\r\n".getBytes(StandardCharsets.US_ASCII));
            r.commit();
        }
        return spool.message(env.queueId()).orElseThrow();
    }

    /** The reports queued so far (messages from the null sender), in queue order, as Python reads them. */
    static List<ParsedReport> reports(Spool spool) throws Exception {
        List<ParsedReport> out = new ArrayList<>();
        for (SpooledMessage m : spool.messages()) {
            if (!m.envelope().sender().isNull()) continue;
            try (InputStream in = spool.openBody(m.queueId())) {
                out.add(ParsedReport.parse(in.readAllBytes()));
            }
        }
        return out;
    }
}
