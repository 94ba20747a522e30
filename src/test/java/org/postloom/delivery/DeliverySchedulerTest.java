package org.postloom.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.delivery.schedule.PathLimits;
import org.postloom.delivery.schedule.ReplyRule;
import org.postloom.delivery.schedule.Schedule;
import org.postloom.delivery.schedule.ShapingPolicy;
import org.postloom.delivery.schedule.SiteMatch;
import org.postloom.delivery.client.Outcome;
import org.postloom.mail.Envelope;
import org.postloom.mail.Mailbox;
import org.postloom.smtp.Reply;
import org.postloom.intake.MessageStore;
import org.postloom.spool.RecipientState;
import org.postloom.spool.Spool;
import org.postloom.spool.SpooledMessage;
import org.postloom.testing.Await;
import org.postloom.testing.Defaults;

/**
 * The scheduler over a real spool, with a scripted transport behind the seam (as chasquid tests
 * its queue with a fake courier) and a clock moved by hand.
 */
class DeliverySchedulerTest {

    private static final Reply OK = Reply.of(250, "2.0.0", "Ok");
    private static final Reply TRY_LATER = Reply.of(451, "4.3.0", "try later");
    private static final Reply NO_SUCH_USER = Reply.of(550, "5.1.1", "no such user");
    private static final Reply NO_CONNECTION = Reply.of(421, "4.4.1", "connection refused");

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-27T10:00:00Z"));
    private final List<String> calls = new CopyOnWriteArrayList<>();
    private volatile BiFunction<NextHop, Parcel, Outcome> script = (hop, item) -> new Outcome.Delivered(OK);
    private Spool spool;
    private DeliveryScheduler scheduler;

    private void start(DeliverySettings settings, Transport transport) throws IOException {
        Inbox inbox = new Inbox();
        spool = Spool.open(dir, Defaults.spoolOptions().withMinFreeSpace(0), inbox::offer);
        Bouncer bouncer = new Bouncer(spool, m -> spool.openBody(m.queueId()), "relay.test", clock);
        scheduler = new DeliveryScheduler(inbox, new Router(Map.of()), TestSites.eachDomainItsOwnSite(), transport, spool, bouncer, settings, clock, DeliveryMetrics.none(),
                org.postloom.events.DeliveryEvents.none());
        scheduler.start();
    }

    private void start() throws IOException {
        start(settings(20, 10), scripted());
    }

    private static DeliverySettings settings(int perDestination, int perConnection) {
        return DeliverySettings.of(ShapingPolicy.standard().withDefaults(
                new PathLimits(perDestination, perConnection, Optional.empty(), Optional.empty())), Defaults.retryPolicy(), "relay.test");
    }

    private Transport scripted() {
        return Transport.of((hop, item) -> {
            calls.add(hop + " " + item.message().queueId() + " " + item.recipients());
            return item.recipients().stream().map(r -> script.apply(hop, item)).toList();
        });
    }

    @AfterEach
    void stop() {
        if (scheduler != null) scheduler.close();
        if (spool != null) spool.close();
    }

    private Envelope send(String sender, String... recipients) throws IOException {
        Envelope env = new Envelope(spool.newQueueId(), sender.isEmpty() ? Mailbox.NULL : mailbox(sender),
                List.of(recipients).stream().map(DeliverySchedulerTest::mailbox).toList(),
                Envelope.BodyType.SEVEN_BIT, false, clock.instant(), "test [127.0.0.1]", "");
        try (MessageStore.Reception r = spool.receive(env)) {
            r.body().write("Subject: test\r\nMessage-ID: <m1@test>\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII));
            r.commit();
        }
        return env;
    }

    private static Mailbox mailbox(String address) {
        int at = address.indexOf('@');
        return new Mailbox(address.substring(0, at), address.substring(at + 1));
    }

    private void later(Duration by) {
        clock.advance(by);
        scheduler.wake();
    }

    @Test
    void recipientsAreGroupedByDestinationAndDeliveredMailLeavesTheQueue() throws Exception {
        start();
        Envelope m = send("a@client.test", "x@one.test", "y@two.test", "z@one.test");
        Await.until("both destinations tried", () -> calls.size() == 2);
        assertThat(calls).containsExactlyInAnyOrder("one.test " + m.queueId() + " [0, 2]", "two.test " + m.queueId() + " [1]");
        Await.until("message final", () -> spool.message(m.queueId()).isEmpty());
    }

    @Test
    void aDeferredRecipientIsRetriedAfterItsBackoffAndNotBefore() throws Exception {
        start();
        script = (hop, item) -> new Outcome.Deferred(TRY_LATER, Outcome.Scope.RECIPIENT);
        Envelope m = send("a@client.test", "x@one.test");
        Await.until("first attempt", () -> calls.size() == 1);
        Await.until("deferred state", () -> spool.message(m.queueId()).orElseThrow().recipients().getFirst()
                instanceof RecipientState.Deferred);
        RecipientState.Deferred d = (RecipientState.Deferred) spool.message(m.queueId()).orElseThrow().recipients().getFirst();
        assertThat(Duration.between(clock.instant(), d.nextAttempt())).isBetween(Duration.ofSeconds(47), Duration.ofSeconds(73));
        assertThat(d.reply()).contains("451 4.3.0");
        later(Duration.ofSeconds(30));
        Await.holds("no attempt before the retry is due", Duration.ofMillis(200), () -> calls.size() == 1);
        script = (hop, item) -> new Outcome.Delivered(OK);
        later(Duration.ofMinutes(2));
        Await.until("second attempt", () -> calls.size() == 2);
        Await.until("delivered", () -> spool.message(m.queueId()).isEmpty());
    }

    @Test
    void aPermanentFailureBouncesToTheSenderWithADsn() throws Exception {
        start();
        script = (hop, item) -> hop.toString().equals("one.test")
                ? new Outcome.Failed(NO_SUCH_USER, Outcome.Scope.RECIPIENT)
                : new Outcome.Delivered(OK);
        Envelope m = send("sender@client.test", "gone@one.test");
        Await.until("bounce delivered to the sender's domain", () -> calls.stream().anyMatch(c -> c.startsWith("client.test ")));
        String bounceId = calls.stream().filter(c -> c.startsWith("client.test ")).findFirst().orElseThrow().split(" ")[1];
        assertThat(bounceId).isNotEqualTo(m.queueId().value());
    }

    @Test
    void theDsnNamesTheRecipientStatusAndOriginalHeaders() throws Exception {
        List<String> dsn = new CopyOnWriteArrayList<>();
        start(settings(20, 10), Transport.of((hop, item) -> {
            if (item.message().envelope().sender().isNull()) dsn.add(body(item.message()));
            List<Outcome> out = new ArrayList<>();
            for (int r : item.recipients()) {
                out.add(item.message().envelope().sender().isNull() ? new Outcome.Delivered(OK)
                        : new Outcome.Failed(NO_SUCH_USER, Outcome.Scope.RECIPIENT));
            }
            return out;
        }));
        send("sender@client.test", "gone@one.test");
        Await.until("bounce sent", () -> dsn.size() == 1);
        assertThat(dsn.getFirst())
                .contains("To: <sender@client.test>")
                .contains("Content-Type: multipart/report; report-type=delivery-status")
                .contains("Final-Recipient: rfc822; gone@one.test")
                .contains("Action: failed")
                .contains("Status: 5.1.1")
                // this transport names no host, so the reply is reported as the relay's own (RFC 3464 2.3.6)
                .contains("Diagnostic-Code: X-Postloom; 550 5.1.1 no such user")
                .doesNotContain("Remote-MTA")
                .contains("Message-ID: <m1@test>")
                .doesNotContain("hello");
    }

    private String body(SpooledMessage m) {
        try (InputStream in = spool.openBody(m.queueId())) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aBounceOfABounceIsNeverSent() throws Exception {
        start();
        script = (hop, item) -> new Outcome.Failed(NO_SUCH_USER, Outcome.Scope.RECIPIENT);
        Envelope m = send("", "gone@one.test");
        Await.until("message final", () -> spool.message(m.queueId()).isEmpty());
        Await.holds("no bounce of the bounce", Duration.ofMillis(200), () -> calls.size() == 1);
        assertThat(spool.messages()).isEmpty();
    }

    @Test
    void mailQueuedLongerThanItsLifetimeBouncesWithDeliveryTimeExpired() throws Exception {
        start();
        script = (hop, item) -> item.message().envelope().sender().isNull()
                ? new Outcome.Delivered(OK)
                : new Outcome.Deferred(TRY_LATER, Outcome.Scope.RECIPIENT);
        Envelope m = send("sender@client.test", "slow@one.test");
        Await.until("first attempt", () -> calls.size() == 1);
        for (int i = 0; i < 200 && spool.message(m.queueId()).isPresent(); i++) {
            later(Duration.ofHours(1).plusMinutes(15));    // past the longest back-off with jitter
            Await.until("the retry recorded", () -> spool.message(m.queueId())
                    .map(msg -> msg.recipients().getFirst() instanceof RecipientState.Deferred d
                            && d.nextAttempt().isAfter(clock.instant()))
                    .orElse(true));
        }
        Await.until("expired", () -> spool.message(m.queueId()).isEmpty());
        Await.until("bounce delivered", () -> calls.stream().anyMatch(c -> c.startsWith("client.test ")));
        assertThat(Duration.between(m.arrival(), clock.instant())).isGreaterThanOrEqualTo(Duration.ofDays(5));
    }

    @Test
    void concurrencyPerDestinationIsCapped() throws Exception {
        AtomicInteger now = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        start(settings(2, 1), Transport.of((hop, item) -> {
            peak.accumulateAndGet(now.incrementAndGet(), Math::max);
            try {
                release.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            now.decrementAndGet();
            calls.add(hop.toString());
            return item.recipients().stream().map(r -> (Outcome) new Outcome.Delivered(OK)).toList();
        }));
        for (int i = 0; i < 10; i++) send("a@client.test", "x@busy.test");
        Await.until("two connections open", () -> now.get() == 2);
        Await.holds("no third connection", Duration.ofMillis(200), () -> now.get() == 2);
        release.countDown();
        Await.until("all delivered", () -> calls.size() == 10);
        assertThat(peak.get()).isEqualTo(2);
    }

    @Test
    void aRuleFiredOnOneConnectionStopsTheBatchUnderWayOnTheOtherAfterItsTransaction() throws Exception {
        var ts04 = new ReplyRule(0, SiteMatch.ANY, Pattern.compile("TS04"), ReplyRule.Action.SUSPEND, Duration.ofMinutes(10),
                Optional.empty(), Optional.empty());
        var policy = new ShapingPolicy(new PathLimits(2, 100, Optional.empty(), Optional.empty()), Map.of(), List.of(ts04),
                Map.of(), 1000);
        CountDownLatch firstHeld = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        // Queued before the scheduler starts, so the first connection takes all ten as one batch.
        spool = Spool.open(dir, Defaults.spoolOptions().withMinFreeSpace(0), m -> {});
        for (int i = 0; i < 10; i++) send("s@client.test", "a" + i + "@yahoo.test");
        spool.close();
        start(DeliverySettings.of(policy, Defaults.retryPolicy(), "relay.test"), Transport.of((hop, item) -> {
            String rcpt = item.message().envelope().recipients().getFirst().localPart();
            calls.add(rcpt);
            if (rcpt.equals("a0")) {
                firstHeld.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            Reply reply = rcpt.equals("b0") && !calls.subList(0, calls.size() - 1).contains("b0") ? Reply.of(421, "4.7.0", "[TS04] Messages temporarily deferred") : OK;
            return List.of(reply.code() == 250 ? new Outcome.Delivered(reply) : new Outcome.Deferred(reply, Outcome.Scope.SITE));
        }));
        assertThat(firstHeld.await(10, TimeUnit.SECONDS)).as("the first connection took all ten and is in its first").isTrue();
        for (int i = 0; i < 10; i++) send("s@client.test", "b" + i + "@yahoo.test");
        Await.until("the second connection got the 421 and the rule fired", () -> scheduler.ask(s -> s.siteState("yahoo.test",
                clock.instant()).map(Schedule.SiteState::suspended).orElse(false)).join());
        scheduler.ask(s -> true).join(); // one more turn of the loop: the halt has been passed on
        release.countDown();
        Await.until("both connections have ended", () -> scheduler.ask(s -> s.siteState("yahoo.test", clock.instant())
                .map(Schedule.SiteState::connections).orElse(-1)).join() == 0);
        assertThat(calls).as("each connection stopped after its transaction under way; nothing more went into the suspension")
                .containsExactlyInAnyOrder("a0", "b0");
        later(Duration.ofMinutes(10));
        Await.until("after the suspension, the rest at once", () -> spool.messages().isEmpty());
        assertThat(calls).as("twenty, and the 421'd one again").hasSize(21).containsOnlyOnce("a1", "b1");
    }

    @Test
    void aDeadSiteIsBackedOffAsAWholeThenProbed() throws Exception {
        start(settings(20, 1), scripted());
        script = (hop, item) -> new Outcome.Deferred(NO_CONNECTION, Outcome.Scope.SITE);
        send("a@client.test", "x@dead.test");
        Await.until("the scheduler heard the site failed", () -> scheduler.ask(s -> s.siteState("dead.test", clock.instant())
                .map(Schedule.SiteState::lastError).orElse(null)).join() != null);
        for (int i = 0; i < 5; i++) send("a@client.test", "y@dead.test");
        Await.holds("mail for a backed-off site waits, not tried one by one", Duration.ofMillis(300),
                () -> calls.size() == 1);
        script = (hop, item) -> new Outcome.Delivered(OK);
        later(Duration.ofMinutes(2));
        // The back-off is over and the first message's own retry is due: a probe, then all of it.
        Await.until("the probe and then the rest", () -> calls.size() == 7);
        Await.until("queue empty", () -> spool.messages().isEmpty());
    }
}
