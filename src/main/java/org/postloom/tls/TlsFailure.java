package org.postloom.tls;

import java.util.Objects;

/**
 * Why a connection did not meet its TLS policy, with the result type of TLS-RPT (RFC 8460 4.3) so
 * that reports, log lines and events use one vocabulary.
 */
public record TlsFailure(Type type, String reason) {

    public TlsFailure {
        Objects.requireNonNull(type);
        Objects.requireNonNull(reason);
    }

    /** RFC 8460 4.3.1 (negotiation), 4.3.2 (policy) result types. */
    public enum Type {
        STARTTLS_NOT_SUPPORTED("starttls-not-supported"),
        CERTIFICATE_HOST_MISMATCH("certificate-host-mismatch"),
        CERTIFICATE_EXPIRED("certificate-expired"),
        CERTIFICATE_NOT_TRUSTED("certificate-not-trusted"),
        VALIDATION_FAILURE("validation-failure"),
        TLSA_INVALID("tlsa-invalid"),
        DNSSEC_INVALID("dnssec-invalid"),
        DANE_REQUIRED("dane-required"),
        STS_POLICY_FETCH_ERROR("sts-policy-fetch-error"),
        STS_POLICY_INVALID("sts-policy-invalid"),
        STS_WEBPKI_INVALID("sts-webpki-invalid");

        private final String word;

        Type(String word) {
            this.word = word;
        }

        /** The {@code result-type} string of RFC 8460. */
        public String word() {
            return word;
        }
    }
}
