package org.postloom.spool;

import java.io.IOException;

/**
 * Work the spool's writer does at the start of each group commit, before it writes the batch:
 * the event journal forces what was appended to it, so that an event is durable no later than
 * the record of the outcome it reports, in the same turn of the same thread (one wait for the
 * caller, not two). A failure fails the batch as a failed write would: nothing of it was stored.
 */
@FunctionalInterface
public interface BeforeCommit {

    void run() throws IOException;

    BeforeCommit NONE = () -> {};
}
