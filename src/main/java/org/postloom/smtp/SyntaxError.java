package org.postloom.smtp;

/** A command argument that does not parse; carries the reply the client gets. */
public final class SyntaxError extends Exception {

    private final transient Reply reply;

    public SyntaxError(Reply reply) {
        super(reply.toString().strip(), null, false, false);
        this.reply = reply;
    }

    public SyntaxError(int code, String status, String text) {
        this(Reply.of(code, status, text));
    }

    public Reply reply() {
        return reply;
    }
}
