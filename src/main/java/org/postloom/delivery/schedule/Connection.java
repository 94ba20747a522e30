package org.postloom.delivery.schedule;

import java.time.Instant;

/** An outbound connection the schedule counts: on which path, how much more it may carry, whether it waits. */
final class Connection<W> {

    final long id;
    final PathState<W> path;
    int budget;
    /** When it began to wait for work; null while it is carrying a batch. */
    Instant idleSince;
    /** Told to hang up; it still counts until it reports that it has closed. */
    boolean closing;
    /** Told to stop its batch after the transaction under way; cleared by its report. */
    boolean halted;

    Connection(long id, PathState<W> path, int budget) {
        this.id = id;
        this.path = path;
        this.budget = budget;
    }
}
