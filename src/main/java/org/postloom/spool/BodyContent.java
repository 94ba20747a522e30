package org.postloom.spool;

import java.nio.file.Path;

/** A finished body, waiting for the writer: still in memory, or spilled to a temporary file. */
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
}
