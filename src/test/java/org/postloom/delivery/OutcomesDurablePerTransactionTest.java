package org.postloom.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.delivery.client.Outcome;
import org.postloom.mail.Envelope;
import org.postloom.mail.Mailbox;
import org.postloom.smtp.Reply;
import org.postloom.intake.MessageStore;
import org.postloom.spool.Spool;
import org.postloom.testing.Await;
import org.postloom.testing.Defaults;

/**
 * Regression for a crash-loop finding: the courier recorded outcomes only after its whole batch
 * (up to messages-per-connection messages) had gone over the connection, so a crash re-delivered
 * every message of every open connection (CrashLoopIT counted more duplicates than messages).
 * Now each transaction's outcomes are durable before the next transaction on the connection begins.
 */
class OutcomesDurablePerTransactionTest {

    @TempDir
    Path dir;

    @Test
    void anItemIsFinalInTheSpoolBeforeTheNextItemOnTheConnectionIsSent() throws Exception {
        try (Spool spool = Spool.open(dir, Defaults.spoolOptions().withMinFreeSpace(0), m -> {})) {
            for (int i = 0; i < 3; i++) queue(spool, "r" + i);
        }
        List<String> seenBeforeEachSend = new CopyOnWriteArrayList<>();
        Inbox inbox = new Inbox();
        Spool[] spool = new Spool[1];
        // A transport that notes, as each transaction begins, how many messages the spool still holds.
        Transport transport = Transport.of((hop, item) -> {
            seenBeforeEachSend.add("live=" + spool[0].messages().size());
            return List.<Outcome>of(new Outcome.Delivered(Reply.of(250, "2.0.0", "Ok")));
        });
        spool[0] = Spool.open(dir, Defaults.spoolOptions().withMinFreeSpace(0), inbox::offer);
        MutableClock clock = new MutableClock(Instant.parse("2026-11-27T10:00:00Z"));
        Bouncer bouncer = new Bouncer(spool[0], m -> spool[0].openBody(m.queueId()), "relay.test", clock);
        var settings = DeliverySettings.of(org.postloom.delivery.schedule.ShapingPolicy.standard().withDefaults(
                new org.postloom.delivery.schedule.PathLimits(1, 100, java.util.Optional.empty(), java.util.Optional.empty())),
                Defaults.retryPolicy(), "relay.test");
        try (var scheduler = new DeliveryScheduler(inbox, new Router(Map.of()), TestSites.eachDomainItsOwnSite(), transport,
                spool[0], bouncer, settings,
                clock, DeliveryMetrics.none(), org.postloom.events.DeliveryEvents.none())) {
            scheduler.start();
            Await.within(Duration.ofSeconds(20), () -> spool[0].messages().isEmpty());
            assertThat(seenBeforeEachSend).as("live messages in the spool as each transaction began")
                    .containsExactly("live=3", "live=2", "live=1");
        } finally {
            spool[0].close();
        }
    }

    private static void queue(Spool spool, String rcpt) throws IOException {
        Envelope env = new Envelope(spool.newQueueId(), new Mailbox("s", "sender.test"), List.of(new Mailbox(rcpt, "dest.test")),
                Envelope.BodyType.SEVEN_BIT, false, Instant.parse("2026-11-27T10:00:00Z"), "test [127.0.0.1]", "");
        try (MessageStore.Reception r = spool.receive(env)) {
            r.body().write("Subject: t\r\n\r\nhi\r\n".getBytes(StandardCharsets.US_ASCII));
            r.commit();
        }
    }
}
