package org.postloom.inject;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.postloom.inject.InjectionRequest.Built;
import org.postloom.inject.InjectionRequest.Raw;
import org.postloom.inject.InjectionRequest.Recipient;
import org.postloom.intake.Intake;
import org.postloom.intake.IntakeException;
import org.postloom.intake.MessageStore.Reception;
import org.postloom.mail.Envelope;
import org.postloom.mail.Mailbox;
import org.postloom.mail.QueueId;

/**
 * Turns a checked request into queued messages through the same {@link Intake} as SMTP (trace
 * header, DKIM, spool). All or nothing: every message is written before any is committed, the
 * commits run together (one group commit serves them), and should one fail the others are
 * withdrawn. The caller answers 200 only after this returns.
 */
public final class Injector {

    private static final System.Logger LOG = System.getLogger("org.postloom.inject");
    private static final DateTimeFormatter RFC_5322_DATE =
            DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT).withZone(ZoneOffset.UTC);
    /** Seconds a client waits before it tries again when the spool takes nothing. */
    private static final long SPOOL_RETRY_SECONDS = 30;

    /** One recipient's message. */
    public record Queued(String recipient, String queueId) {}

    private final Intake intake;
    private final String hostname;
    private final long messageSize;
    private final Clock clock;
    private final Consumer<QueueId> withdraw;

    /**
     * @param messageSize {@code postloom.limits.message-size}: the largest message made
     * @param withdraw    removes a committed message again (when another of the same request failed)
     */
    public Injector(Intake intake, String hostname, long messageSize, Clock clock, Consumer<QueueId> withdraw) {
        this.intake = intake;
        this.hostname = hostname;
        this.messageSize = messageSize;
        this.clock = clock;
        this.withdraw = withdraw;
    }

    List<Queued> inject(InjectionRequest request, Tenant tenant, InetAddress client) throws Refusal {
        Mailbox sender = sender(request);
        tenant.checkSender(sender);
        int messages = request.recipients().size();
        tenant.admit(messages);
        try {
            if (!intake.hasRoom()) throw Refusal.unavailable("spool: full, try again later", SPOOL_RETRY_SECONDS);
            return store(request, sender, tenant.name(), client);
        } catch (Refusal | RuntimeException e) {
            tenant.giveBack(messages);
            throw e;
        }
    }

    private static Mailbox sender(InjectionRequest request) throws Refusal {
        if (request.envelopeSender().isPresent()) return request.envelopeSender().get();
        if (request.content() instanceof Built b) return b.from().email();
        throw Refusal.badRequest("envelope_sender: required with raw content");
    }

    /** One message being made: its envelope and its open reception. */
    private record Pending(Envelope envelope, Reception reception, List<Recipient> recipients) {}

    private List<Queued> store(InjectionRequest request, Mailbox sender, String tenant, InetAddress client) throws Refusal {
        List<Pending> pending = new ArrayList<>();
        try {
            switch (request.content()) {
                case Built built -> {
                    for (int i = 0; i < request.recipients().size(); i++) {
                        Recipient r = request.recipients().get(i);
                        Pending p = open(sender, List.of(r), false, tenant, client, pending);
                        try (OutputStream out = limited(p)) {
                            BuiltMessage.write(built, r, "recipients[" + i + "]", request.valuesFor(r),
                                    messageId(p), date(p), out);
                        }
                    }
                }
                case Raw raw -> {
                    for (var message : rendered(request, raw).entrySet()) {
                        Pending p = open(sender, message.getValue(), !isAscii(message.getKey()), tenant, client, pending);
                        byte[] bytes = RawMessage.prepare(message.getKey(), "recipients " + message.getValue().getFirst().email(),
                                messageId(p), date(p));
                        try (OutputStream out = limited(p)) {
                            out.write(bytes);
                        }
                    }
                }
            }
            commitAll(pending);
        } catch (TooLarge e) {
            throw Refusal.tooLarge("content: the message for " + e.recipient + " is over postloom.limits.message-size ("
                    + messageSize + " bytes)");
        } catch (IntakeException e) {
            throw Refusal.unavailable("spool: " + e.getMessage(), SPOOL_RETRY_SECONDS);
        } catch (IOException e) {
            throw Refusal.unavailable("spool: " + e, SPOOL_RETRY_SECONDS);
        } finally {
            pending.forEach(p -> p.reception().close()); // a no-op for what was committed
        }
        List<Queued> out = new ArrayList<>();
        for (Pending p : pending) {
            for (Recipient r : p.recipients()) out.add(new Queued(r.email().toString(), p.envelope().queueId().value()));
        }
        LOG.log(System.Logger.Level.INFO, () -> "injected tenant=" + tenant + " client=" + client.getHostAddress()
                + " messages=" + pending.size() + " recipients=" + out.size());
        return out;
    }

    /** The raw template rendered per recipient; recipients whose message comes out the same share it. */
    private static Map<String, List<Recipient>> rendered(InjectionRequest request, Raw raw) throws Refusal {
        Map<String, List<Recipient>> messages = new LinkedHashMap<>();
        for (int i = 0; i < request.recipients().size(); i++) {
            Recipient r = request.recipients().get(i);
            String text = raw.message().render(request.valuesFor(r), "recipients[" + i + "]");
            messages.computeIfAbsent(text, t -> new ArrayList<>()).add(r);
        }
        return messages;
    }

    private Pending open(Mailbox sender, List<Recipient> recipients, boolean eightBit, String tenant, InetAddress client,
                         List<Pending> pending) throws IntakeException {
        QueueId id = intake.newQueueId();
        Instant now = clock.instant();
        var envelope = new Envelope(id, sender, recipients.stream().map(Recipient::email).toList(),
                eightBit ? Envelope.BodyType.EIGHT_BIT_MIME : Envelope.BodyType.SEVEN_BIT, false, now,
                "http [" + client.getHostAddress() + "]", "").withTenant(tenant);
        Pending p = new Pending(envelope, intake.open(envelope, trace(envelope, client)), recipients);
        pending.add(p);
        return p;
    }

    /** RFC 5321 4.4 trace field; "with HTTP" as the IANA mail transmission types name it. */
    private String trace(Envelope e, InetAddress client) {
        String single = e.recipients().size() == 1 ? "\r\n\tfor <" + e.recipients().getFirst() + ">" : "";
        return "Received: from [" + client.getHostAddress() + "]\r\n\tby " + hostname + " (Postloom) with HTTP id "
                + e.queueId().value() + single + ";\r\n\t" + RFC_5322_DATE.format(e.arrival()) + "\r\n";
    }

    private String messageId(Pending p) {
        return "<" + p.envelope().queueId().value() + "@" + hostname + ">";
    }

    private static String date(Pending p) {
        return RFC_5322_DATE.format(p.envelope().arrival());
    }

    /**
     * Commits every message, all at once when there are several, so that one group commit makes
     * them durable together. If any fails, the ones that made it are withdrawn again.
     */
    private void commitAll(List<Pending> pending) throws IntakeException {
        if (pending.size() == 1) {
            pending.getFirst().reception().commit();
            return;
        }
        List<Thread> threads = new ArrayList<>();
        IntakeException[] failures = new IntakeException[pending.size()];
        for (int i = 0; i < pending.size(); i++) {
            int index = i;
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    pending.get(index).reception().commit();
                } catch (IntakeException e) {
                    failures[index] = e;
                } catch (RuntimeException e) {
                    failures[index] = new IntakeException(IntakeException.Kind.FAILED, e.toString(), e);
                }
            }));
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IntakeException(IntakeException.Kind.FAILED, "interrupted while committing", e);
            }
        }
        IntakeException first = null;
        for (IntakeException f : failures) if (first == null) first = f;
        if (first == null) return;
        for (int i = 0; i < pending.size(); i++) {
            if (failures[i] == null) withdraw.accept(pending.get(i).envelope().queueId());
        }
        throw first;
    }

    private OutputStream limited(Pending p) {
        return new BufferedOutputStream(new LimitedOutputStream(p.reception().body(), messageSize,
                p.recipients().getFirst().email().toString()), 8192);
    }

    private static boolean isAscii(String s) {
        return s.chars().allMatch(c -> c < 0x80);
    }

    /** A message over the size limit, found while it is written. */
    private static final class TooLarge extends IOException {
        final String recipient;

        TooLarge(String recipient) {
            super("over the size limit", null);
            this.recipient = recipient;
        }
    }

    /** Counts what goes to the spool and stops at the size limit. */
    private static final class LimitedOutputStream extends OutputStream {
        private final OutputStream out;
        private final long limit;
        private final String recipient;
        private long count;

        LimitedOutputStream(OutputStream out, long limit, String recipient) {
            this.out = out;
            this.limit = limit;
            this.recipient = recipient;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            count += len;
            if (count > limit) throw new TooLarge(recipient);
            out.write(b, off, len);
        }
    }
}
