package org.postloom.spool;

/**
 * Counters since the spool was opened.
 *
 * @param appends        records made durable
 * @param forces         fsyncs that made them durable; under concurrency far fewer than appends,
 *                       which is the point of group commit
 * @param segments       segment files on disk
 * @param messages       live messages
 * @param compactedBytes bytes of live messages the compactor rewrote out of old segments
 */
public record SpoolStats(long appends, long forces, int segments, int messages, long compactedBytes) { }
