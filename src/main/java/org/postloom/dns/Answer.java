package org.postloom.dns;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.xbill.DNS.Record;
import org.xbill.DNS.lookup.NoSuchDomainException;
import org.xbill.DNS.lookup.NoSuchRRSetException;
import org.xbill.DNS.lookup.ServerFailedException;

/** What one DNS question (name, type) answered, with dnsjava's exceptions turned into values. */
sealed interface Answer {

    /** Records of the asked type; empty means NODATA (the name exists, the type does not). */
    record Found(List<Record> records) implements Answer {}

    /** NXDOMAIN: the name does not exist. */
    record NoSuchName() implements Answer {}

    /** Nothing usable this time: SERVFAIL, time-out, network error, REFUSED and the like. */
    record Failed(String reason) implements Answer {}

    /** Classifies a failed lookup of dnsjava 3.6.3's {@code LookupSession}. */
    static Answer fromFailure(Throwable failure) {
        Throwable cause = unwrap(failure);
        return switch (cause) {
            case NoSuchDomainException _ -> new NoSuchName();
            // NODATA arrives as an empty result when fresh, but from the cache (negative caching,
            // RFC 2308) as this exception: both mean "no records of this type".
            case NoSuchRRSetException _ -> new Found(List.of());
            case ServerFailedException _ -> new Failed("SERVFAIL");
            // dnsjava reports its own time-outs and socket errors as IOException.
            case IOException e -> new Failed("network: " + e.getMessage());
            default -> new Failed(cause.getClass().getSimpleName() + ": " + cause.getMessage());
        };
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
