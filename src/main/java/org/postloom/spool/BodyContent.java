package org.postloom.spool;

import java.nio.file.Path;

/**
 * A finished body, waiting for the writer: still in memory, spilled to a temporary file, or (for
 * a compaction copy) a region of an older segment.
 */
sealed interface BodyContent {

    long size();

    BodyContent EMPTY = new InMemory(new byte[0], 0);

    record InMemory(byte[] bytes, int length) implements BodyContent {
        @Override
        public long size() {
            return length;
        }
    }

    record Spilled(Path file, long size) implements BodyContent { }

    /** {@code size} bytes of {@code file} from {@code offset}, copied by the kernel. */
    record Region(Path file, long offset, long size) implements BodyContent { }
}
