package org.postloom.smtp;

/**
 * Decodes a message body from the bytes the client sends, in pieces as they arrive. Each call
 * consumes what it can and reports how many bytes it took: it never takes bytes past the end of
 * the body, which belong to the next command (RFC 2920 pipelining).
 */
public sealed interface BodyDecoder permits DotDecoder, ChunkDecoder {

    /** Consumes bytes from {@code buf[off, off+len)}; returns how many it took. */
    int feed(byte[] buf, int off, int len);

    /** Whether the end of the body has been consumed. */
    boolean done();
}
