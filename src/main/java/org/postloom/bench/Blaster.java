package org.postloom.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.postloom.smtp.Reply;

/**
 * The load: {@code sessions} virtual threads, each with one blocking connection, sending messages
 * back to back (MAIL, RCPT..., DATA as one pipelined group when the server offers PIPELINING, RFC
 * 2920), and timing each from the flush of the final "." to its reply.
 */
final class Blaster {

    private final BlastPlan plan;
    private final MessageFactory messages;
    private final PrintStream progress;
    private final AtomicLong next = new AtomicLong();
    private final LongAdder accepted = new LongAdder();
    private final LongAdder tempFailed = new LongAdder();
    private final LongAdder permFailed = new LongAdder();
    private final LongAdder ioErrors = new LongAdder();
    private final LongAdder connectErrors = new LongAdder();
    private final LongAdder connections = new LongAdder();
    private final Histogram latency = new Histogram(3_600_000_000L, 3);
    private volatile String lastError = "";
    private long startNanos;
    private long deadlineNanos;

    Blaster(BlastPlan plan, PrintStream progress) {
        this.plan = plan;
        this.progress = progress;
        String runId = Long.toString(System.currentTimeMillis(), 36);
        this.messages = new MessageFactory(plan.size(), runId,
                DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now()));
        // Fail now, not in every session, if the size cannot hold the headers.
        messages.message(Long.MAX_VALUE / 2, plan.from().expand(0, 0, 0, 1), List.of(plan.to().expand(0, 0, 0, 1)));
    }

    Json run() throws InterruptedException {
        long startMillis = System.currentTimeMillis();
        startNanos = System.nanoTime();
        deadlineNanos = plan.duration() == null ? Long.MAX_VALUE : startNanos + plan.duration().toNanos();
        List<Thread> threads = new ArrayList<>(plan.sessions());
        for (int s = 0; s < plan.sessions(); s++) {
            int session = s;
            threads.add(Thread.ofVirtual().name("blast-" + s).start(() -> session(session)));
        }
        Thread reporter = Thread.ofPlatform().daemon().name("blast-progress").start(this::report);
        for (Thread t : threads) t.join();
        long endNanos = System.nanoTime();
        reporter.interrupt();
        double seconds = (endNanos - startNanos) / 1e9;
        long ok = accepted.sum();
        progress.printf(Locale.ROOT, "blast: done in %.2fs: accepted=%d (%.0f/s) tempfail=%d permfail=%d io-errors=%d connect-errors=%d%n",
                seconds, ok, ok / seconds, tempFailed.sum(), permFailed.sum(), ioErrors.sum(), connectErrors.sum());
        if (!lastError.isEmpty()) progress.println("blast: last error: " + lastError);
        return new Json().put("mode", "blast")
                .put("server", plan.server().getHostString() + ":" + plan.server().getPort())
                .put("sessions", plan.sessions()).put("size", plan.size()).put("recipients", plan.recipients())
                .put("domains", plan.domains()).put("starttls", plan.starttls()).put("pipelining", plan.pipelining())
                .put("messages_per_connection", plan.messagesPerConnection()).put("rate_limit", plan.rate())
                .put("attempted", Math.min(next.get(), plan.messages() > 0 ? plan.messages() : Long.MAX_VALUE))
                .put("accepted", ok).put("tempfail", tempFailed.sum()).put("permfail", permFailed.sum())
                .put("io_errors", ioErrors.sum()).put("connect_errors", connectErrors.sum())
                .put("connections", connections.sum())
                .put("elapsed_s", seconds).put("accepted_per_s", ok / seconds)
                .put("start_epoch_ms", startMillis).put("end_epoch_ms", startMillis + (endNanos - startNanos) / 1_000_000)
                .put("latency_ms", latencyJson())
                .put("last_error", lastError);
    }

    private Json latencyJson() {
        synchronized (latency) {
            return new Json().put("count", latency.getTotalCount())
                    .put("p50", latency.getValueAtPercentile(50) / 1000.0)
                    .put("p90", latency.getValueAtPercentile(90) / 1000.0)
                    .put("p99", latency.getValueAtPercentile(99) / 1000.0)
                    .put("p999", latency.getValueAtPercentile(99.9) / 1000.0)
                    .put("max", latency.getMaxValue() / 1000.0)
                    .put("mean", latency.getMean() / 1000.0);
        }
    }

    /** The next message number, or -1 when the run is over; paces the run when a rate is set. */
    private long claim() {
        if (System.nanoTime() >= deadlineNanos) return -1;
        long n = next.getAndIncrement();
        if (plan.messages() > 0 && n >= plan.messages()) return -1;
        if (plan.rate() > 0) {
            long due = startNanos + (long) (n * 1e9 / plan.rate());
            long wait;
            while ((wait = due - System.nanoTime()) > 0) LockSupport.parkNanos(wait);
        }
        return n;
    }

    private void session(int session) {
        Histogram mine = new Histogram(3_600_000_000L, 3);
        BenchConnection connection = null;
        int sent = 0;
        long n = -2;
        try {
            while (true) {
                if (connection == null) {
                    try {
                        connection = connect();
                        sent = 0;
                    } catch (IOException e) {
                        connectErrors.increment();
                        lastError = "connect: " + e.getMessage();
                        if (System.nanoTime() >= deadlineNanos || (plan.messages() > 0 && next.get() >= plan.messages())) return;
                        Thread.sleep(200);
                        continue;
                    }
                }
                if (n == -2) n = claim();
                if (n < 0) break;
                try {
                    transaction(connection, n, session, mine);
                    n = -2;
                } catch (IOException e) {
                    ioErrors.increment();
                    lastError = "message " + n + ": " + e.getMessage();
                    connection.close();
                    connection = null;
                    n = -2; // that message counts as failed; the next one goes on a new connection
                    continue;
                }
                if (plan.messagesPerConnection() > 0 && ++sent >= plan.messagesPerConnection()) {
                    connection.quit();
                    connection = null;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (connection != null) connection.quit();
            synchronized (latency) {
                latency.add(mine);
            }
        }
    }

    private BenchConnection connect() throws IOException {
        int timeout = (int) plan.timeout().toMillis();
        BenchConnection c = BenchConnection.open(plan.server(), timeout);
        try {
            Reply greeting = c.read();
            if (greeting.code() != 220) throw new BenchConnection.SmtpRefusal("greeting", greeting);
            Set<String> keywords = c.ehlo(plan.helo());
            if (plan.starttls()) {
                if (!keywords.contains("STARTTLS")) throw new IOException("server does not offer STARTTLS");
                c.startTls(plan.server().getHostString());
                keywords = c.ehlo(plan.helo());
            }
            connections.increment();
            pipelining = plan.pipelining() && keywords.contains("PIPELINING");
            return c;
        } catch (IOException e) {
            c.close();
            throw e;
        }
    }

    /** Set per connection; every connection of a run sees the same server, so one flag suffices. */
    private volatile boolean pipelining;

    private void transaction(BenchConnection c, long n, int session, Histogram mine) throws IOException {
        String from = plan.from().expand(n, session, 0, 0);
        List<String> to = new ArrayList<>(plan.recipients());
        for (int r = 0; r < plan.recipients(); r++) {
            to.add(plan.to().expand(n, session, r, AddressPattern.domainOf(n, r, plan.recipients(), plan.domains())));
        }
        String mail = "MAIL FROM:<" + from + "> SIZE=" + plan.size();
        int acceptedRecipients = 0;
        Reply failure = null;
        Reply data;
        if (pipelining) {
            // RFC 2920: MAIL, every RCPT and DATA in one write; then the replies in order.
            c.write(mail);
            for (String rcpt : to) c.write("RCPT TO:<" + rcpt + ">");
            c.write("DATA");
            c.flush();
            Reply mailReply = c.read();
            if (!mailReply.isPositive()) failure = mailReply;
            for (int r = 0; r < to.size(); r++) {
                Reply reply = c.read();
                if (reply.isPositive()) acceptedRecipients++;
                else if (failure == null) failure = reply;
            }
            data = c.read();
        } else {
            Reply mailReply = c.command(mail);
            if (!mailReply.isPositive()) {
                failure = mailReply;
            } else {
                for (String rcpt : to) {
                    Reply reply = c.command("RCPT TO:<" + rcpt + ">");
                    if (reply.isPositive()) acceptedRecipients++;
                    else if (failure == null) failure = reply;
                }
            }
            data = acceptedRecipients > 0 ? c.command("DATA") : failure;
        }
        if (data.code() != 354) {
            count(failure != null ? failure : data);
            if (data.code() == 421) throw new IOException("421 from server: " + data);
            c.command("RSET");
            return;
        }
        if (acceptedRecipients == 0) {
            // RFC 2920 3.1: DATA was accepted although no recipient was; end the (empty) data at once.
            c.write(".");
            c.flush();
            count(c.read());
            return;
        }
        messages.message(n, from, to).writeTo(c.output());
        c.write(".");
        c.flush();
        long sentAt = System.nanoTime();
        Reply end = c.read();
        mine.recordValue(Math.min((System.nanoTime() - sentAt) / 1000, 3_600_000_000L - 1));
        count(end);
        if (end.code() == 421) throw new IOException("421 after end of data: " + end.oneLine());
    }

    private void count(Reply reply) {
        if (reply.code() == 250) {
            accepted.increment();
        } else if (reply.isTransient()) {
            tempFailed.increment();
            lastError = reply.oneLine();
        } else {
            permFailed.increment();
            lastError = reply.oneLine();
        }
    }

    /** One line a second on stderr: how far the run is and how fast it goes. */
    private void report() {
        long previous = 0;
        long last = System.nanoTime();
        while (true) {
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            long ok = accepted.sum();
            progress.printf(Locale.ROOT, "blast: %5.1fs accepted=%d (%.0f/s) tempfail=%d permfail=%d io-errors=%d connect-errors=%d%n",
                    (now - startNanos) / 1e9, ok, (ok - previous) / ((now - last) / 1e9), tempFailed.sum(), permFailed.sum(),
                    ioErrors.sum(), connectErrors.sum());
            previous = ok;
            last = now;
        }
    }
}
