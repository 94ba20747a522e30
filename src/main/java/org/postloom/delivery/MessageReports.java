package org.postloom.delivery;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.postloom.intake.IntakeException;
import org.postloom.spool.RecipientState;
import org.postloom.spool.Spool;
import org.postloom.spool.SpooledMessage;

/**
 * Records recipient states and sends the reports they make due: one report per message and kind,
 * listing all its recipients of that kind (RFC 3461 4.1, RFC 3464 2). What each report will say
 * waits in the spool with the recipient's state ({@link RecipientState.Attempted}), so that it
 * survives restarts and compaction:
 * <ul>
 * <li>{@code failed} and {@code relayed}: once the message has no open recipient left, one report
 *     each, listing every recipient that failed (or was relayed to a hop without DSN);</li>
 * <li>{@code delayed}: at the first outcome past the delay warning, one report listing every
 *     recipient still deferred then; each is marked (durably) as reported, never listed again.</li>
 * </ul>
 * The reports are made durable before the states: a crash in between may repeat a report, never
 * lose one. Items of one message for different sites may be recorded at once by two couriers, or
 * by a courier and an operator's delete; a lock per message (striped) lets only one of them see
 * the message become final.
 */
final class MessageReports {

    /** The status in a reply written before the particulars were kept: {@code 550 5.1.1 ...}. */
    private static final Pattern STATUS = Pattern.compile("^\\d{3}[ -]([245]\\.\\d{1,3}\\.\\d{1,3})\\b");

    private final Spool spool;
    private final Bouncer bouncer;
    /**
     * Held across the durable write, so two messages on one stripe wait for each other's fsync:
     * enough stripes that with a few hundred couriers that is rare.
     */
    private final ReentrantLock[] stripes = new ReentrantLock[4096];

    MessageReports(Spool spool, Bouncer bouncer) {
        this.spool = spool;
        this.bouncer = bouncer;
        for (int i = 0; i < stripes.length; i++) stripes[i] = new ReentrantLock();
    }

    /**
     * What a recording is about beyond the states.
     *
     * @param pastDelayWarning whether the message has waited past {@code postloom.delivery.delay-warning}
     * @param willRetryUntil   when the relay gives up on it (Will-Retry-Until of a delay report)
     * @param failureReports   false when an operator deletes a message without a bounce (for the
     *                         recipients the delete ends; earlier failures are still reported)
     */
    record Occasion(Instant now, boolean pastDelayWarning, Instant willRetryUntil, boolean failureReports) {}

    /** Sends the reports that {@code changes} make due, then records the changes; returns once all is durable. */
    void record(SpooledMessage message, Map<Integer, RecipientState> changes, Occasion occasion) throws IntakeException {
        // Always under the message's lock: besides the couriers of its other sites, an operator's
        // delete may end it while a courier's attempt is in flight, and only one of them may see
        // it become final (else two failure reports, or a delete's bounce for a delivered recipient).
        ReentrantLock lock = stripes[Math.floorMod(message.queueId().hashCode(), stripes.length)];
        lock.lock();
        try {
            List<RecipientState> now = spool.recipientStates(message.queueId()).orElse(null);
            if (now != null) recordNow(message, now, changes, occasion); // null: final already, reported then
        } finally {
            lock.unlock();
        }
    }

    private void recordNow(SpooledMessage message, List<RecipientState> stored, Map<Integer, RecipientState> changes,
                           Occasion occasion) throws IntakeException {
        List<RecipientState> merged = new ArrayList<>(stored);
        changes.forEach((i, state) -> {
            if (!stored.get(i).isFinal()) merged.set(i, state);  // as the spool applies them
        });
        Map<Integer, RecipientState> writes = changes;
        if (merged.stream().allMatch(RecipientState::isFinal)) {
            List<Bouncer.Notice> failed = new ArrayList<>(), relayed = new ArrayList<>();
            for (int i = 0; i < merged.size(); i++) {
                // A delete without bounce silences only the recipients it ends, not earlier real failures.
                boolean silenced = !occasion.failureReports() && changes.containsKey(i);
                switch (merged.get(i)) {
                    case RecipientState.Failed f when !silenced ->
                            failed.add(notice(i, f.reply(), f.attempted(), "5.0.0", occasion.now()));
                    case RecipientState.Delivered d when d.relayReport().isPresent() ->
                            relayed.add(notice(i, d.reply(), d.relayReport(), "2.0.0", occasion.now()));
                    default -> { }
                }
            }
            if (!failed.isEmpty()) bouncer.failed(message, failed);
            if (!relayed.isEmpty()) bouncer.relayed(message, relayed);
        } else if (occasion.pastDelayWarning()) {
            List<Bouncer.Notice> delayed = new ArrayList<>();
            for (int i = 0; i < merged.size(); i++) {
                boolean reported = stored.get(i) instanceof RecipientState.Deferred s && s.delayReported();
                if (reported || !(merged.get(i) instanceof RecipientState.Deferred d)) continue;
                delayed.add(notice(i, d.reply(), d.attempted(), "4.0.0", occasion.now())
                        .until(occasion.willRetryUntil()));
                if (writes == changes) writes = new HashMap<>(changes); // copied only when a mark is added
                writes.put(i, d.reported());            // the mark: never listed in a delay report again
            }
            if (!delayed.isEmpty()) bouncer.delayed(message, delayed);
        }
        spool.recordAll(message.queueId(), writes);
    }

    /** A report line from a kept state; records from before the particulars were kept give what they can. */
    private static Bouncer.Notice notice(int recipient, String reply, Optional<RecipientState.Attempted> attempted,
                                         String generic, Instant now) {
        if (attempted.isPresent()) {
            RecipientState.Attempted a = attempted.get();
            return new Bouncer.Notice(recipient, a.status(), reply, a.remoteMta(), Optional.empty(), Optional.of(a.at()));
        }
        Matcher m = STATUS.matcher(reply);
        return new Bouncer.Notice(recipient, m.find() ? m.group(1) : generic, reply, "", Optional.empty(), Optional.of(now));
    }
}
