package org.postloom.spool;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Bytes another part has the spool store inside its own group commits, so that they become
 * durable with the records of the same batch in the same write and the same fsync: the event
 * journal's lines (issue 14), which must be on disk no later than the outcomes they report. Before
 * this, the journal forced a file of its own ahead of every commit, a second fsync per batch.
 *
 * <p>The spool never reads what it carries. Its owner writes the bytes to a file of its own after
 * {@link #landed} without forcing it, and forces that file in {@link #beforeRotation}, before the
 * writer leaves a segment; so only the newest segment can hold riders the owner has not made
 * durable itself, and at start the spool hands back exactly those ({@link Spool#riders()}) for
 * the owner to make again whatever a crash took from its file.
 *
 * <p>Every method runs on the spool's writer thread, board, then landed or dropped, in turn.
 */
public interface CommitRider {

    /** What to store at the head of the batch about to be written, or null for nothing; a failure fails the batch. */
    ByteBuffer board() throws IOException;

    /** The batch, and with it what {@link #board} gave last, is durable. */
    void landed();

    /** The batch failed: nothing of what {@link #board} gave last was stored. */
    void dropped();

    /**
     * The writer is about to leave its segment for a new one: make everything landed so far
     * durable of your own. A failure keeps the writer in its segment (it grows past its size);
     * after a failed fsync of the segment, where the writer must move on, it turns the spool
     * unhealthy.
     */
    void beforeRotation() throws IOException;

    CommitRider NONE = new CommitRider() {
        @Override
        public ByteBuffer board() {
            return null;
        }

        @Override
        public void landed() { }

        @Override
        public void dropped() { }

        @Override
        public void beforeRotation() { }
    };
}
