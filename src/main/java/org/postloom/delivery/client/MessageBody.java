package org.postloom.delivery.client;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * The content of a message as the spool keeps it (header and body, lines ending in CRLF, no
 * dot-stuffing), opened afresh for each use so it is streamed, never held in memory.
 *
 * @param size   its size in octets, for SIZE (RFC 1870)
 * @param source opens it; may be called more than once for one transaction (BDAT measures first)
 */
public record MessageBody(long size, Source source) {

    @FunctionalInterface
    public interface Source {
        InputStream open() throws IOException;
    }

    public MessageBody {
        if (size < 0) throw new IllegalArgumentException("size " + size);
    }

    public static MessageBody of(byte[] content) {
        byte[] copy = content.clone();
        return new MessageBody(copy.length, () -> new ByteArrayInputStream(copy));
    }

    InputStream open() throws IOException {
        return source.open();
    }
}
