package org.postloom.spool;

import java.time.Duration;

/**
 * What recovery found when the spool was opened.
 *
 * @param segments       segment files read
 * @param messages       live messages rebuilt (each also published to the delivery engine)
 * @param truncatedBytes bytes of torn tail cut off (records never acknowledged)
 * @param took           how long it took
 */
public record RecoveryReport(int segments, int messages, long truncatedBytes, Duration took) { }
