package org.postloom.delivery;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.postloom.delivery.client.Outcome;
import org.postloom.tls.TlsResult;
import org.postloom.mail.Mailbox;
import org.postloom.smtp.Reply;

/**
 * A transport in front of another that never lets a suppressed recipient reach any MX: such a
 * recipient gets {@link #SUPPRESSED} (permanent, for it alone) without a RCPT being sent, and
 * the rest of its item travels as usual. The outcome recorder turns that reply into the
 * recipient's one {@code suppression} event.
 */
final class SuppressingTransport implements Transport {

    /** RFC 3463 5.7.1: delivery not authorized; said by us, not by the remote server. */
    static final Reply SUPPRESSED = Reply.of(550, "5.7.1", "Recipient address is on the suppression list (not attempted)");

    /**
     * Whether {@code outcome} is this transport's own refusal of a suppressed recipient. By the
     * reply's identity, and never for a reply a server sent: a remote 550 with the same text is a
     * bounce like any other, not a suppression.
     */
    static boolean isSuppression(Outcome outcome) {
        return outcome instanceof Outcome.Failed f && !f.fromServer() && f.reply() == SUPPRESSED;
    }

    private final Transport transport;
    private final Predicate<Mailbox> suppressed;

    SuppressingTransport(Transport transport, Predicate<Mailbox> suppressed) {
        this.transport = transport;
        this.suppressed = suppressed;
    }

    @Override
    public Session open(NextHop destination, EgressSource source) {
        Session session = transport.open(destination, source);
        return new Session() {
            @Override
            public Optional<List<Outcome>> deliver(Parcel item) {
                List<Integer> allowed = item.recipients().stream()
                        .filter(i -> !suppressed.test(item.message().envelope().recipients().get(i))).toList();
                // The usual case: nobody is suppressed, and the item goes as it is (no copy, no merge).
                if (allowed.size() == item.recipients().size()) return session.deliver(item);
                Optional<List<Outcome>> sent = allowed.isEmpty() ? Optional.of(List.of())
                        : session.deliver(new Parcel(item.item().withRecipients(allowed), item.message()));
                return sent.map(outcomes -> {
                    List<Outcome> merged = new ArrayList<>(item.recipients().size());
                    int next = 0;
                    for (int index : item.recipients()) {
                        boolean sentThis = next < allowed.size() && allowed.get(next) == index;
                        merged.add(sentThis ? outcomes.get(next++) : new Outcome.Failed(SUPPRESSED, Outcome.Scope.RECIPIENT));
                    }
                    return merged;
                });
            }

            @Override
            public boolean isReusable() {
                return session.isReusable();
            }

            @Override
            public String via() {
                return session.via();
            }

            @Override
            public Optional<TlsResult> tls() {
                return session.tls();
            }

            @Override
            public Optional<Landing> landing() {
                return session.landing();
            }

            @Override
            public void close() {
                session.close();
            }
        };
    }

    @Override
    public void stop() {
        transport.stop();
    }
}
