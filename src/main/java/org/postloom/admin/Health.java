package org.postloom.admin;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * Whether the relay is alive and whether it is ready for mail. Ready means the spool has
 * recovered and the SMTP listeners are bound; it turns false again while draining at shutdown,
 * so a load balancer stops sending before the listeners close.
 */
public final class Health {

    private final BooleanSupplier spoolRecovered;
    private final AtomicBoolean listening = new AtomicBoolean();
    private final AtomicBoolean draining = new AtomicBoolean();

    public Health(BooleanSupplier spoolRecovered) {
        this.spoolRecovered = spoolRecovered;
    }

    public void listening() {
        listening.set(true);
    }

    public void draining() {
        draining.set(true);
    }

    public boolean isReady() {
        return spoolRecovered.getAsBoolean() && listening.get() && !draining.get();
    }
}
