package org.postloom.tls;

import java.io.IOException;
import java.net.Socket;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * What TLS one MX host must give before mail may go to it, as decided by {@link OutboundTlsPolicy}
 * (or by a static setting): either no connection at all, or a connection whose STARTTLS is
 * optional or mandatory and whose certificate is judged, enforcing the judgement or only noting it.
 */
public sealed interface HostTlsPolicy {

    TlsPolicyKind kind();

    /** Do not connect: the policy cannot be met (a failed TLSA lookup, an MX outside the MTA-STS policy). */
    record Refused(TlsPolicyKind kind, TlsFailure failure) implements HostTlsPolicy {
        public Refused {
            Objects.requireNonNull(kind);
            Objects.requireNonNull(failure);
        }

        public TlsResult result() {
            return TlsResult.failed(kind, failure);
        }
    }

    /**
     * Connect and use STARTTLS.
     *
     * @param tlsRequired without STARTTLS (or after a failed handshake) no mail goes; else clear text is allowed
     * @param check       how the certificate is judged; empty: any certificate (encryption only)
     * @param enforced    a failed check aborts the handshake; otherwise it is only recorded
     */
    record Secured(TlsPolicyKind kind, boolean tlsRequired, Optional<CertificateCheck> check, boolean enforced)
            implements HostTlsPolicy {
        public Secured {
            Objects.requireNonNull(kind);
            Objects.requireNonNull(check);
            if (enforced && !tlsRequired) throw new IllegalArgumentException("an enforced check needs TLS");
        }

        /** The RFC 7435 default: TLS when offered, any certificate. */
        public static Secured opportunistic() {
            return new Secured(TlsPolicyKind.OPPORTUNISTIC, false, Optional.empty(), false);
        }

        /** Mandatory TLS with a WebPKI certificate for {@code host}, chained to {@code verifying}'s anchors. */
        public static Secured verified(ClientTls verifying, String host) {
            if (!verifying.verifiesPeer()) throw new IllegalArgumentException("not a verifying client");
            var check = new CertificateCheck.WebPki(TrustRoots.of(verifying.trustAnchors()).manager(), host);
            return new Secured(TlsPolicyKind.VERIFY, true, Optional.of(check), true);
        }

        /** STARTTLS is missing or refused: the result to report, and whether mail may still go. */
        public TlsResult notOffered(String why) {
            return new TlsResult(kind, "", false, check.isPresent() || tlsRequired
                    ? Optional.of(new TlsFailure(TlsFailure.Type.STARTTLS_NOT_SUPPORTED, why)) : Optional.empty());
        }

        /**
         * Completes the TLS handshake over {@code plain} as the client, with {@code host} as SNI
         * (RFC 7672 8.1: the TLSA base domain, here the MX host name) and as the name judged.
         *
         * @throws Failed when the handshake fails or the enforced check refuses the certificate
         */
        public Handshake handshake(Socket plain, String host) throws IOException, Failed {
            PolicyTrustManager judge = check.map(c -> new PolicyTrustManager(c, enforced)).orElse(null);
            ClientTls client = judge == null ? Opportunistic.CLIENT : ClientTls.judgedBy(judge);
            TlsConnection connection;
            try {
                connection = client.upgrade(plain, host);
            } catch (SSLException e) {
                throw new Failed(TlsResult.failed(kind, failureOf(e)), e);
            }
            Optional<TlsFailure> verdict = judge == null ? Optional.empty() : judge.verdict();
            boolean authenticated = judge != null && verdict != null && verdict.isEmpty();
            if (judge != null && verdict == null) verdict = Optional.of(new TlsFailure(TlsFailure.Type.VALIDATION_FAILURE, "certificate not judged"));
            return new Handshake(connection, new TlsResult(kind, connection.description(), authenticated, verdict));
        }

        private static TlsFailure failureOf(SSLException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof PolicyTrustManager.Refused refused) return refused.failure;
            }
            return new TlsFailure(TlsFailure.Type.VALIDATION_FAILURE, "TLS handshake failed: " + e.getMessage());
        }
    }

    /** A completed handshake and what it is worth. */
    record Handshake(TlsConnection connection, TlsResult result) {}

    /** The handshake failed, or the policy refused the certificate; the socket is closed. */
    final class Failed extends Exception {
        private final transient TlsResult result;

        Failed(TlsResult result, SSLException cause) {
            super(result.failure().map(TlsFailure::reason).orElse("TLS failed"), cause);
            this.result = result;
        }

        public TlsResult result() {
            return result;
        }

        public SSLException sslCause() {
            return (SSLException) getCause();
        }
    }

    /** Built on first use (a context costs a few milliseconds). */
    final class Opportunistic {
        static final ClientTls CLIENT = ClientTls.opportunistic();

        private Opportunistic() {}
    }
}
