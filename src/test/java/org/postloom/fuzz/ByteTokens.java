package org.postloom.fuzz;

import java.nio.charset.StandardCharsets;

/**
 * Reads a fuzzer's bytes as a sequence of choices: small numbers, picks from a list, runs of raw
 * bytes. Past the end every read returns zero or empty, so any input is a valid program.
 */
final class ByteTokens {

    private final byte[] in;
    private int pos;

    ByteTokens(byte[] in) {
        this.in = in;
    }

    boolean more() {
        return pos < in.length;
    }

    int next() {
        return pos < in.length ? in[pos++] & 0xff : 0;
    }

    /** A number in [0, bound). */
    int below(int bound) {
        int v = (next() << 8) | next();
        return v % bound;
    }

    <T> T pick(T[] choices) {
        return choices[below(choices.length)];
    }

    /** Up to {@code max} raw bytes. */
    byte[] bytes(int max) {
        int n = Math.min(below(max + 1), in.length - pos);
        byte[] out = new byte[Math.max(0, n)];
        System.arraycopy(in, pos, out, 0, out.length);
        pos += out.length;
        return out;
    }

    /** Up to {@code max} raw bytes as a (lossily decoded) UTF-8 string. */
    String text(int max) {
        return new String(bytes(max), StandardCharsets.UTF_8);
    }
}
