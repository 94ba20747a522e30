package org.postloom.tls;

import java.util.Objects;
import java.util.Optional;

/**
 * What TLS a connection to an MX host got, under which policy, and why it fell short if it did.
 * One value for the delivery log line, events, TLS-RPT and REQUIRETLS (RFC 8689 4.1 needs "the
 * server was authenticated": {@link #authenticated()}).
 *
 * @param policy        the policy that applied to the host
 * @param cipher        protocol and cipher suite ({@code TLSv1.3 TLS_AES_256_GCM_SHA384}); empty in clear text
 * @param authenticated the certificate was verified under DANE, MTA-STS (enforce or testing) or
 *                      {@code require-verified-tls}
 * @param failure       what the policy found wrong; present on a refused connection, and on one that
 *                      went on anyway (MTA-STS testing mode)
 */
public record TlsResult(TlsPolicyKind policy, String cipher, boolean authenticated, Optional<TlsFailure> failure) {

    public TlsResult {
        Objects.requireNonNull(policy);
        Objects.requireNonNull(cipher);
        Objects.requireNonNull(failure);
        if (authenticated && cipher.isEmpty()) throw new IllegalArgumentException("authenticated without TLS");
    }

    public static TlsResult failed(TlsPolicyKind policy, TlsFailure failure) {
        return new TlsResult(policy, "", false, Optional.of(failure));
    }

    public boolean encrypted() {
        return !cipher.isEmpty();
    }

    /**
     * For a log line: {@code tls=TLSv1.3/TLS_AES_256_GCM_SHA384 tls-policy=dane tls-auth=verified},
     * and when something failed {@code tls-failure=certificate-host-mismatch tls-reason="..."}.
     */
    public String logFields() {
        StringBuilder out = new StringBuilder("tls=").append(encrypted() ? cipher.replace(' ', '/') : "none")
                .append(" tls-policy=").append(policy.word())
                .append(" tls-auth=").append(authenticated ? "verified" : encrypted() ? "unverified" : "none");
        failure.ifPresent(f -> out.append(" tls-failure=").append(f.type().word())
                .append(" tls-reason=\"").append(f.reason().replace('"', '\'')).append('"'));
        return out.toString();
    }
}
