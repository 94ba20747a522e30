package org.postloom.mail;

import java.util.Objects;

/**
 * What the client asked of delivery status notifications for the whole message (RFC 3461 4.3,
 * 4.4): how much of the message a failure report returns, and the client's own envelope id.
 *
 * @param ret        RET=FULL or RET=HDRS; {@link Return#UNSPECIFIED} when absent
 * @param envelopeId ENVID exactly as received (xtext, passed on unchanged); empty when absent
 */
public record DsnRequest(Return ret, String envelopeId) {

    /** No RET, no ENVID. */
    public static final DsnRequest NONE = new DsnRequest(Return.UNSPECIFIED, "");

    public enum Return { UNSPECIFIED, FULL, HDRS }

    public DsnRequest {
        Objects.requireNonNull(ret);
        Objects.requireNonNull(envelopeId);
    }

    /** ENVID decoded from xtext, for {@code Original-Envelope-Id} (RFC 3464 2.2.1); empty if none. */
    public String decodedEnvelopeId() {
        return Xtext.decode(envelopeId);
    }
}
