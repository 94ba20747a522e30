package org.postloom.inject;

/**
 * Why a request to {@code POST /messages} is refused: the HTTP status, a message that names the
 * field at fault (CONTRACT.md 4), and for 429 and 503 the seconds after which to try again.
 * Whatever is refused queues nothing.
 */
public final class Refusal extends Exception {

    private final int status;
    private final long retryAfterSeconds;

    private Refusal(int status, String message, long retryAfterSeconds) {
        super(message, null, false, false); // an answer to a client, not a failure: no stack trace
        this.status = status;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** 400: bad JSON, a missing or invalid field, an invalid address, bad base64, a template error. */
    public static Refusal badRequest(String message) {
        return new Refusal(400, message, -1);
    }

    /** 401: no token, or a wrong one. */
    public static Refusal unauthorized(String message) {
        return new Refusal(401, message, -1);
    }

    /** 403: the envelope sender's domain is not one the tenant may use. */
    public static Refusal forbidden(String message) {
        return new Refusal(403, message, -1);
    }

    /** 413: the request, or a message made from it, is over {@code postloom.limits.message-size}. */
    public static Refusal tooLarge(String message) {
        return new Refusal(413, message, -1);
    }

    /** 429: the tenant's rate is used up for now. */
    public static Refusal tooManyRequests(String message, long retryAfterSeconds) {
        return new Refusal(429, message, Math.max(1, retryAfterSeconds));
    }

    /** 503: the spool takes no mail now. */
    public static Refusal unavailable(String message, long retryAfterSeconds) {
        return new Refusal(503, message, Math.max(1, retryAfterSeconds));
    }

    public int status() {
        return status;
    }

    /** Seconds for {@code Retry-After}, or -1 for none. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
