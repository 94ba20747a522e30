package org.postloom.delivery.client;


/**
 * A connection could not be made ready for mail: refused, timed out, a 4xx/5xx greeting or EHLO,
 * TLS required but not possible. Its {@link #outcome()} has {@link Outcome.Scope#SITE} scope and
 * applies to every recipient meant for this host; the scheduler may try the next MX host.
 */
public final class SiteFailure extends Exception {

    private final transient Outcome outcome;

    SiteFailure(Outcome outcome) {
        super(outcome.reply().toString().strip());
        if (outcome.scope() != Outcome.Scope.SITE) throw new IllegalArgumentException("not a site outcome: " + outcome);
        this.outcome = outcome;
    }

    public Outcome outcome() {
        return outcome;
    }
}
