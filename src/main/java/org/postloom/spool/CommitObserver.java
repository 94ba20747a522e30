package org.postloom.spool;

/**
 * Hears about each group commit, on the writer thread (so it must be quick): for metrics such
 * as batch size and fsync latency, without the spool knowing about any metrics library.
 */
@FunctionalInterface
public interface CommitObserver {

    void committed(int records, long forceNanos);

    CommitObserver NONE = (records, nanos) -> {};
}
