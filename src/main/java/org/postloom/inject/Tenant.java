package org.postloom.inject;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.postloom.delivery.schedule.Rate;
import org.postloom.mail.Mailbox;

/**
 * One tenant of the relay ({@code postloom.tenants."<name>"}, CONTRACT.md 4): whose token it is,
 * how fast it may send and from which sender domains. (Its egress pool is delivery's business:
 * the envelope carries the tenant, and the pools choose by it.)
 */
public final class Tenant {

    /** The tenant of requests made with the admin token, or on loopback with no token configured. */
    public static final String DEFAULT = "default";

    private final String name;
    private final Optional<String> token;
    private final Optional<Rate> rate;
    private final Optional<TenantRates.Gate> bucket;
    private final Set<String> senderDomains;

    /**
     * @param senderDomains envelope sender domains allowed, lower case; empty allows any
     * @param rates         where the bucket of {@code rate} is kept (this node's memory, or Redis)
     */
    public Tenant(String name, Optional<String> token, Optional<Rate> rate,
                  Set<String> senderDomains, TenantRates rates) {
        this.name = name;
        this.token = token.filter(t -> !t.isBlank());
        this.rate = rate;
        this.bucket = rate.map(r -> rates.gate(name, r));
        this.senderDomains = Set.copyOf(senderDomains);
    }

    /** A tenant without token, rate or sender restriction. */
    static Tenant unrestricted(String name) {
        return new Tenant(name, Optional.empty(), Optional.empty(), Set.of(), TenantRates.local(System::nanoTime));
    }

    public String name() {
        return name;
    }

    Optional<String> token() {
        return token;
    }

    /** 403 unless the tenant may send with this envelope sender. */
    void checkSender(Mailbox sender) throws Refusal {
        if (senderDomains.isEmpty() || senderDomains.contains(sender.domain().toLowerCase(Locale.ROOT))) return;
        throw Refusal.forbidden("envelope_sender: domain " + sender.domain() + " is not among the sender-domains of tenant "
                + name);
    }

    /** Takes one token per message; 429 when the rate is used up. */
    void admit(int messages) throws Refusal {
        if (rate.isEmpty()) return;
        Rate r = rate.get();
        if (messages > r.count()) {
            throw Refusal.tooManyRequests("recipients: " + messages + " messages are more than max-message-rate " + r
                    + " ever admits at once", r.per().toSeconds());
        }
        long waitNanos = bucket.orElseThrow().take(messages);
        if (waitNanos > 0) {
            throw Refusal.tooManyRequests("recipients: the tenant's max-message-rate " + r + " is used up",
                    TimeUnit.NANOSECONDS.toSeconds(waitNanos + 999_999_999));
        }
    }

    /** Gives back the tokens of messages that were not queued after all. */
    void giveBack(int messages) {
        bucket.ifPresent(b -> b.giveBack(messages));
    }
}
