package org.postloom.smtp;

/**
 * The body of DATA (RFC 5321 4.1.1.4, 4.5.2): lines end in CRLF, a leading dot is removed
 * (dot-stuffing), and only CRLF "." CRLF ends the data. A CR or LF that is not part of a CRLF pair
 * fails the message: {@code <LF>.<LF>}, {@code <CR>.<CR>}, {@code <LF>.<CR><LF>} and their siblings
 * are how SMTP smuggling hides a second message in the first (CVE-2023-51764). After such a byte
 * no dot can end the data until a real CRLF "." CRLF comes.
 */
public final class DotDecoder implements BodyDecoder {

    private enum State { LINE_START, IN_LINE, CR, DOT, DOT_CR, DONE }

    private final BodySink sink;
    private State state = State.LINE_START;

    public DotDecoder(BodySink sink) {
        this.sink = sink;
    }

    @Override
    public int feed(byte[] buf, int off, int len) {
        int i = off;
        int end = off + len;
        while (i < end && state != State.DONE) {
            step(buf[i++]);
        }
        return i - off;
    }

    private void step(byte b) {
        state = switch (state) {
            case LINE_START -> switch (b) {
                case '.' -> State.DOT;
                case '\r' -> State.CR;
                case '\n' -> bare();
                default -> content(b);
            };
            case IN_LINE -> switch (b) {
                case '\r' -> State.CR;
                case '\n' -> bare();
                default -> content(b);
            };
            case CR -> {
                if (b == '\n') {
                    sink.put((byte) '\r');
                    sink.put((byte) '\n');
                    yield State.LINE_START;
                }
                bare();
                yield b == '\r' ? State.CR : content(b);
            }
            // The dot that starts a line is dropped: either it stuffs the line or it ends the data.
            case DOT -> switch (b) {
                case '\r' -> State.DOT_CR;
                case '\n' -> bare();
                default -> content(b);
            };
            case DOT_CR -> {
                if (b == '\n') yield State.DONE;
                bare();
                yield b == '\r' ? State.CR : content(b);
            }
            case DONE -> throw new IllegalStateException("data already ended");
        };
        if (state == State.DONE) sink.flush();
    }

    private State content(byte b) {
        sink.put(b);
        return State.IN_LINE;
    }

    /** A lone CR or LF: the message is refused, and the byte cannot start a new line. */
    private State bare() {
        sink.fail(BodyOutcome.BARE_CR_OR_LF);
        return State.IN_LINE;
    }

    @Override
    public boolean done() {
        return state == State.DONE;
    }
}
