package org.postloom.dkim;

import java.security.MessageDigest;

/**
 * Canonicalizes a message body as it streams by and feeds the result to a digest, so the body
 * hash ({@code bh=}, RFC 6376 3.7) needs no copy of the body. Chunks may end anywhere (inside a
 * CRLF, a run of whitespace, a run of trailing empty lines): whatever may still vanish is held
 * back as a count, never as bytes, so memory stays constant.
 */
abstract sealed class BodyCanonicalizer {

    private final MessageDigest digest;
    private final byte[] out = new byte[8192];
    private int buffered;
    /** CRLFs seen but not yet emitted: they vanish if only empty lines follow them. */
    private long heldLines;
    /** A CR whose LF has not been seen yet. */
    private boolean heldCr;
    /** Whether anything but withheld line ends has been emitted. */
    private boolean content;

    BodyCanonicalizer(MessageDigest digest) {
        this.digest = digest;
    }

    final void update(byte[] bytes, int off, int len) {
        for (int i = off, end = off + len; i < end; i++) {
            int run = heldCr ? i : plainRun(bytes, i, end);
            if (run > i) {
                // Fast path: bytes that are canonical as they are. Only the first may release
                // held line ends or space; the rest is copied whole.
                accept(bytes[i]);
                emitRun(bytes, i + 1, run - i - 1);
                i = run - 1;
                continue;
            }
            byte b = bytes[i];
            if (heldCr) {
                heldCr = false;
                if (b == '\n') {
                    lineEnded();
                    heldLines++;
                    continue;
                }
                accept((byte) '\r'); // a bare CR is content like any other byte
            }
            if (b == '\r') {
                heldCr = true;
            } else {
                accept(b);
            }
        }
    }

    /** Ends the body and returns its hash; the canonicalizer is done after this. */
    final byte[] finish() {
        if (heldCr) accept((byte) '\r');
        end(content);
        if (buffered > 0) digest.update(out, 0, buffered);
        buffered = 0;
        return digest.digest();
    }

    /**
     * Where a run of bytes that are canonical as they are, starting at {@code from}, ends
     * ({@code from} itself if that byte needs the careful path).
     */
    abstract int plainRun(byte[] bytes, int from, int end);

    /** One byte that is neither part of a CRLF nor a CR. */
    abstract void accept(byte b);

    /** A CRLF has been seen (it is held, not yet emitted). */
    void lineEnded() {
    }

    /** Adds what ends the canonical body; {@code hasContent}: anything but empty lines came. */
    abstract void end(boolean hasContent);

    /** Emits the held line ends, then {@code b}. */
    final void emitContent(byte b) {
        for (; heldLines > 0; heldLines--) {
            put((byte) '\r');
            put((byte) '\n');
        }
        put(b);
        content = true;
    }

    /** Bytes that are content as they are, copied into the buffer: many tiny digest updates cost more. */
    private void emitRun(byte[] bytes, int off, int len) {
        while (len > 0) {
            if (buffered == out.length) {
                digest.update(out, 0, buffered);
                buffered = 0;
            }
            int n = Math.min(len, out.length - buffered);
            System.arraycopy(bytes, off, out, buffered, n);
            buffered += n;
            off += n;
            len -= n;
        }
    }

    final void put(byte b) {
        if (buffered == out.length) {
            digest.update(out, 0, buffered);
            buffered = 0;
        }
        out[buffered++] = b;
    }

    final void putCrlf() {
        put((byte) '\r');
        put((byte) '\n');
    }

    /**
     * RFC 6376 3.4.3: empty lines at the end are ignored; the body then ends with exactly one
     * CRLF, which is also the canonical form of an empty body.
     */
    static final class Simple extends BodyCanonicalizer {

        Simple(MessageDigest digest) {
            super(digest);
        }

        /** Only line ends can vanish (at the very end), so everything up to a CR is content. */
        @Override
        int plainRun(byte[] bytes, int from, int end) {
            int i = from;
            while (i < end && bytes[i] != '\r') i++;
            return i;
        }

        @Override
        void accept(byte b) {
            emitContent(b);
        }

        @Override
        void end(boolean hasContent) {
            putCrlf();
        }
    }

    /**
     * RFC 6376 3.4.4: WSP at the end of a line is dropped, other runs of WSP become one SP, empty
     * lines at the end are ignored, a non-empty body ends with one CRLF, and an empty body stays
     * empty (erratum 1384: its hash is that of the empty string).
     */
    static final class Relaxed extends BodyCanonicalizer {

        /** A run of WSP not yet emitted: it becomes one SP unless the line ends first. */
        private boolean heldSpace;

        Relaxed(MessageDigest digest) {
            super(digest);
        }

        /** Visible bytes, and single spaces between them (already in canonical form). */
        @Override
        int plainRun(byte[] bytes, int from, int end) {
            if ((bytes[from] & 0xff) <= ' ') return from;
            int i = from + 1;
            while (i < end) {
                int b = bytes[i] & 0xff;
                if (b > ' ') {
                    i++;
                } else if (b == ' ' && i + 1 < end && (bytes[i + 1] & 0xff) > ' ') {
                    i += 2;
                } else {
                    break;
                }
            }
            return i;
        }

        @Override
        void accept(byte b) {
            if (Canonicalization.isWsp(b)) {
                heldSpace = true;
                return;
            }
            if (heldSpace) {
                emitContent((byte) ' ');
                heldSpace = false;
            }
            emitContent(b);
        }

        @Override
        void lineEnded() {
            heldSpace = false;
        }

        @Override
        void end(boolean hasContent) {
            if (hasContent) putCrlf();
        }
    }
}
