package org.postloom.spool;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** Maps an I/O failure to what the client hears: 452 4.3.1 for a full disk, else 451 4.3.0. */
final class Failures {

    private Failures() { }

    /** Waits for the writer to make a record durable; its failure becomes the caller's. */
    static void awaitDurable(CompletableFuture<?> durable) throws SpoolException {
        try {
            durable.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof IOException io ? classify(io)
                    : new SpoolException(SpoolException.Kind.FAILED, "spool write failed", e.getCause());
        }
    }

    static SpoolException classify(IOException e) {
        if (e instanceof SpoolException s) return s;
        String text = String.valueOf(e.getMessage());
        // The JDK reports ENOSPC and EDQUOT only through strerror(3)'s text.
        boolean full = text.contains("No space left on device") || text.contains("Disk quota exceeded");
        return new SpoolException(full ? SpoolException.Kind.FULL : SpoolException.Kind.FAILED,
                "spool write failed: " + text, e);
    }
}
