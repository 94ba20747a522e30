package org.postloom.delivery;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;
import org.postloom.delivery.client.Outcome;
import org.postloom.mail.QueueId;
import org.postloom.spool.SpooledMessage;

/**
 * One outbound connection's life, on its own virtual thread: carry a batch, record its outcomes,
 * report to the scheduler, and, while the connection is fit, wait for the scheduler to hand it
 * more work for the same destination (connection reuse), until it gets none. Each work item's
 * envelope is read back from the spool just before it is sent ({@link Parcel}); an item whose
 * message became final meanwhile (an operator deleted it) is dropped.
 */
final class Courier implements Runnable {

    private static final System.Logger LOG = System.getLogger("org.postloom.delivery");

    /**
     * What a courier tells the scheduler after each batch.
     *
     * @param next      completed by the scheduler with more work, or an empty list to hang up;
     *                  null when the courier hangs up anyway (connection unfit, budget spent)
     * @param budget    how many more items this connection may carry
     */
    record Report(NextHop hop, List<OutcomeRecorder.Retry> retries, boolean siteFailed, String lastError,
                  CompletableFuture<List<WorkItem>> next, int budget) {}

    private final NextHop hop;
    private final Transport transport;
    private final OutcomeRecorder recorder;
    private final Consumer<Report> scheduler;
    private final int messagesPerConnection;
    private final Instant retryOnCrash;
    private final Function<QueueId, Optional<SpooledMessage>> messages;
    private List<WorkItem> batch;

    /** @param messages reads a queued message back from the spool ({@code Spool::message}) */
    Courier(NextHop hop, List<WorkItem> first, Transport transport, OutcomeRecorder recorder,
            Consumer<Report> scheduler, int messagesPerConnection, Instant retryOnCrash,
            Function<QueueId, Optional<SpooledMessage>> messages) {
        this.messages = messages;
        this.hop = hop;
        this.batch = first;
        this.transport = transport;
        this.recorder = recorder;
        this.scheduler = scheduler;
        this.messagesPerConnection = messagesPerConnection;
        this.retryOnCrash = retryOnCrash;
    }

    @Override
    public void run() {
        int carried = 0;
        try (Transport.Session session = transport.open(hop)) {
            while (!batch.isEmpty()) {
                Report report = carry(session, carried);
                carried += batch.size();
                scheduler.accept(report);
                batch = report.next() == null ? List.of() : report.next().join();
            }
        }
    }

    /**
     * Carries the batch one transaction at a time, each one's outcomes made durable before the
     * next begins: a crash then repeats at most the message under way, not the whole batch.
     */
    private Report carry(Transport.Session session, int carriedBefore) {
        List<OutcomeRecorder.Retry> retries = new ArrayList<>();
        List<Outcome> all = new ArrayList<>();
        int done = 0;
        try {
            for (WorkItem item : batch) {
                Optional<SpooledMessage> message = messages.apply(item.message().queueId());
                if (message.isEmpty()) {
                    done++;                               // final meanwhile: nothing to carry
                    continue;
                }
                Parcel parcel = new Parcel(item, message.get());
                List<List<Outcome>> outcomes = session.deliver(List.of(parcel));
                if (outcomes.isEmpty()) break;          // the relay is stopping
                String via = session.via();
                OutcomeRecorder.Retry retry = recorder.record(hop, via, session.remoteMta(), parcel, outcomes.getFirst());
                if (retry != null) retries.add(retry);
                all.addAll(outcomes.getFirst());
                done++;
            }
        } catch (RuntimeException e) {
            // A bug must not lose mail: what was not recorded is simply tried again later.
            LOG.log(System.Logger.Level.ERROR, "courier failed dest=" + hop, e);
            batch.subList(done, batch.size()).forEach(item -> retries.add(new OutcomeRecorder.Retry(item, retryOnCrash)));
            return new Report(hop, retries, false, e.toString(), null, 0);
        }
        boolean siteFailed = !all.isEmpty()
                && all.stream().allMatch(o -> o instanceof Outcome.Deferred d && d.scope() == Outcome.Scope.SITE);
        String lastError = all.stream().filter(o -> !(o instanceof Outcome.Delivered))
                .reduce((a, b) -> b).map(o -> o.reply().toString().strip()).orElse(null);
        int budget = messagesPerConnection - carriedBefore - batch.size();
        boolean again = !siteFailed && budget > 0 && session.isReusable();
        return new Report(hop, retries, siteFailed, lastError, again ? new CompletableFuture<>() : null, budget);
    }
}
