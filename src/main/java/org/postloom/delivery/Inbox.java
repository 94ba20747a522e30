package org.postloom.delivery;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import org.postloom.spool.QueueEntry;

/**
 * Where durable messages enter the delivery engine: many producers (the spool's writer, recovery,
 * bounces), one consumer (the scheduler). Lock-free; offering never blocks, so the spool's writer
 * thread is never held up by delivery. It exists before the scheduler does, so that messages found
 * at recovery wait here until the scheduler starts.
 */
public final class Inbox {

    private final Queue<QueueEntry> queue = new ConcurrentLinkedQueue<>();
    private volatile Thread consumer;

    public void offer(QueueEntry message) {
        queue.offer(message);
        Thread c = consumer;
        if (c != null) LockSupport.unpark(c);
    }

    QueueEntry poll() {
        return queue.poll();
    }

    boolean isEmpty() {
        return queue.isEmpty();
    }

    void consumedBy(Thread thread) {
        consumer = thread;
    }
}
