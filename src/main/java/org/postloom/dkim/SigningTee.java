package org.postloom.dkim;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.List;

/**
 * Sits in front of the spool while the client's content streams in: every byte passes on
 * unchanged, and on the way the header block is kept (up to a cap) and the body, from the byte
 * after the empty line that ends the header (RFC 5322 2.1), is canonicalized into the body hash.
 * Memory does not grow with the body; a header block beyond the cap turns signing off for the
 * message rather than growing without bound.
 */
final class SigningTee extends OutputStream {

    private enum Part { HEADER, BODY, HEADER_TOO_LARGE }

    /** Where the scan for the empty line stands. */
    private enum Line { START, CR_AT_START, IN_LINE, CR }

    private final OutputStream out;
    private final int headerCap;
    private final BodyCanonicalizer body;
    private byte[] header = new byte[1024];
    private int headerLength;
    private Part part = Part.HEADER;
    private Line line = Line.START;

    SigningTee(OutputStream out, int headerCap, BodyCanonicalizer body) {
        this.out = out;
        this.headerCap = headerCap;
        this.body = body;
    }

    static SigningTee sha256(OutputStream out, int headerCap, Canonicalization bodyCanonicalization) {
        return new SigningTee(out, headerCap, bodyCanonicalization.body(Sha256.digest()));
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        switch (part) {
            case HEADER -> scanHeader(b, off, len);
            case BODY -> body.update(b, off, len);
            case HEADER_TOO_LARGE -> { }
        }
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    /** Feeds header bytes until the empty line; what follows it in this chunk is body. */
    private void scanHeader(byte[] b, int off, int len) {
        int end = off + len;
        for (int i = off; i < end; i++) {
            if (line == Line.CR_AT_START && b[i] == '\n') {
                // The empty line: its CRLF belongs to neither the header nor the body.
                if (i > off) {
                    keepHeader(b, off, i - 1 - off);
                } else {
                    headerLength--; // its CR ended the previous chunk, which kept it
                }
                if (part == Part.HEADER) {
                    part = Part.BODY;
                    body.update(b, i + 1, end - i - 1);
                }
                return;
            }
            line = next(line, b[i]);
        }
        keepHeader(b, off, len);
    }

    private static Line next(Line line, byte b) {
        return switch (line) {
            case START -> b == '\r' ? Line.CR_AT_START : Line.IN_LINE;
            case IN_LINE, CR_AT_START -> b == '\r' ? Line.CR : Line.IN_LINE;
            case CR -> b == '\n' ? Line.START : b == '\r' ? Line.CR : Line.IN_LINE;
        };
    }

    private void keepHeader(byte[] b, int off, int len) {
        if (headerLength + len > headerCap) {
            part = Part.HEADER_TOO_LARGE;
            header = null;
            return;
        }
        if (headerLength + len > header.length) {
            header = Arrays.copyOf(header, Math.min(headerCap, Math.max(header.length * 2, headerLength + len)));
        }
        System.arraycopy(b, off, header, headerLength, len);
        headerLength += len;
    }

    /** False when the header block went beyond the cap: the message cannot be signed. */
    boolean withinCap() {
        return part != Part.HEADER_TOO_LARGE;
    }

    /** The header fields, once the content has ended (all of it is header if no empty line came). */
    List<HeaderField> headerFields() {
        return HeaderField.parse(header, headerLength);
    }

    /** The body hash; call once, after the content has ended. */
    byte[] bodyHash() {
        return body.finish();
    }
}
