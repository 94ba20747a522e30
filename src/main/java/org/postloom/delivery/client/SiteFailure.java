package org.postloom.delivery.client;

import java.util.Optional;
import org.postloom.tls.TlsResult;

/**
 * A connection could not be made ready for mail: refused, timed out, a 4xx/5xx greeting or EHLO,
 * TLS required but not possible. Its {@link #outcome()} has {@link Outcome.Scope#SITE} scope and
 * applies to every recipient meant for this host; the scheduler may try the next MX host.
 */
public final class SiteFailure extends Exception {

    private final transient Outcome outcome;
    private final transient TlsResult tls;

    SiteFailure(Outcome outcome) {
        this(outcome, null);
    }

    /** A failure of the host's TLS policy, with what the policy found. */
    SiteFailure(Outcome outcome, TlsResult tls) {
        super(outcome.reply().toString().strip());
        if (outcome.scope() != Outcome.Scope.SITE) throw new IllegalArgumentException("not a site outcome: " + outcome);
        this.outcome = outcome;
        this.tls = tls;
    }

    /** Present when the TLS policy was the cause: its kind and the reason (for logs, events, TLS-RPT). */
    public Optional<TlsResult> tls() {
        return Optional.ofNullable(tls);
    }

    public Outcome outcome() {
        return outcome;
    }

    /** What it means for the recipients once no host of the destination took the mail. */
    public Outcome outcomeForRecipients() {
        return ReplyClassifier.noHostTookIt(outcome, tls);
    }
}
