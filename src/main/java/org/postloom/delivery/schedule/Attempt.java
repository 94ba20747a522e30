package org.postloom.delivery.schedule;

import java.time.Instant;
import java.util.List;

/**
 * What a connection reports after a batch.
 *
 * @param attempted  work items it tried
 * @param retries    items with recipients to try again, and when their own back-off says
 * @param untouched  items it did not try (a suspend rule fired, or it stopped)
 * @param replies    the remote replies that were not successes, for the reply rules
 * @param siteFailed every recipient was deferred for a reason that concerns the whole site
 * @param lastError  the last of those replies, for the operator, or null
 * @param waits      the connection stays open and waits for more work
 * @param budget     how many more items it may carry
 */
public record Attempt<W>(int attempted, List<Retry<W>> retries, List<W> untouched, List<String> replies,
                         boolean siteFailed, String lastError, boolean waits, int budget) {

    public record Retry<W>(W item, Instant due) {}

    public Attempt {
        retries = List.copyOf(retries);
        untouched = List.copyOf(untouched);
        replies = List.copyOf(replies);
    }
}
