package org.postloom.tls;

import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509TrustManager;
import org.apache.hc.client5.http.ssl.DefaultHostnameVerifier;

/**
 * How a server's certificate chain is judged under a policy. Each check says what is wrong in the
 * words of TLS-RPT (RFC 8460 4.3), or nothing when the chain passes.
 */
public sealed interface CertificateCheck {

    /** Empty when {@code chain} (leaf first, as the server sent it) passes. */
    Optional<TlsFailure> judge(X509Certificate[] chain, String authType);

    /** Httpclient's RFC 6125 matcher: subjectAltName DNS names, a wildcard only as the whole left label. */
    DefaultHostnameVerifier NAMES = new DefaultHostnameVerifier();

    private static Optional<TlsFailure> nameMismatch(X509Certificate leaf, String host) {
        try {
            NAMES.verify(HostNames.withoutTrailingDot(host), leaf);
            return Optional.empty();
        } catch (SSLException e) {
            return Optional.of(new TlsFailure(TlsFailure.Type.CERTIFICATE_HOST_MISMATCH, e.getMessage()));
        }
    }

    private static TlsFailure untrusted(GeneralSecurityException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            boolean expired = t instanceof CertificateExpiredException || t instanceof CertificateNotYetValidException
                    || (t instanceof CertPathValidatorException v && v.getReason() == CertPathValidatorException.BasicReason.EXPIRED);
            if (expired) return new TlsFailure(TlsFailure.Type.CERTIFICATE_EXPIRED, String.valueOf(t.getMessage()));
        }
        return new TlsFailure(TlsFailure.Type.CERTIFICATE_NOT_TRUSTED, String.valueOf(e.getMessage()));
    }

    /**
     * WebPKI (RFC 8461 4.2, and {@code require-verified-tls}): a chain to a trusted root, and the
     * MX host name among the leaf's subjectAltNames.
     */
    record WebPki(X509TrustManager roots, String host) implements CertificateCheck {
        @Override
        public Optional<TlsFailure> judge(X509Certificate[] chain, String authType) {
            try {
                roots.checkServerTrusted(chain, authType);
            } catch (GeneralSecurityException e) {
                return Optional.of(untrusted(e));
            }
            return nameMismatch(chain[0], host);
        }
    }

    /**
     * DANE (RFC 7672 3.1): a DANE-EE(3) record matching the leaf is enough, whatever its names and
     * dates (3.1.1); a DANE-TA(2) record must match a certificate the server sent that the leaf
     * chains to, within its validity, and the leaf must name the MX host, the TLSA base domain
     * (3.1.2, 3.2.2). Unusable records are ignored (3.1.3); the caller gives only usable ones.
     */
    record Dane(List<Tlsa> records, String host) implements CertificateCheck {

        public Dane {
            records = List.copyOf(records);
            if (records.isEmpty() || !records.stream().allMatch(Tlsa::usable)) {
                throw new IllegalArgumentException("DANE needs usable TLSA records: " + records);
            }
        }

        @Override
        public Optional<TlsFailure> judge(X509Certificate[] chain, String authType) {
            boolean eeMatch = records.stream().anyMatch(r -> r.usage() == Tlsa.DANE_EE && r.matches(chain[0]));
            if (eeMatch) return Optional.empty();
            Optional<TlsFailure> lastProblem = Optional.empty();
            for (int i = 1; i < chain.length; i++) {
                X509Certificate candidate = chain[i];
                if (records.stream().noneMatch(r -> r.usage() == Tlsa.DANE_TA && r.matches(candidate))) continue;
                lastProblem = chainsTo(Arrays.copyOfRange(chain, 0, i), candidate);
                if (lastProblem.isEmpty()) return nameMismatch(chain[0], host);
            }
            return Optional.of(lastProblem.orElse(new TlsFailure(TlsFailure.Type.VALIDATION_FAILURE,
                    "no TLSA record of " + host + " matches the certificate chain (" + records + ")")));
        }

        /** PKIX path validation up to the matched certificate as the only trust anchor, no revocation. */
        private static Optional<TlsFailure> chainsTo(X509Certificate[] path, X509Certificate anchor) {
            try {
                var parameters = new PKIXParameters(Set.of(new TrustAnchor(anchor, null)));
                parameters.setRevocationEnabled(false);
                var certPath = CertificateFactory.getInstance("X.509").generateCertPath(List.of(path));
                CertPathValidator.getInstance("PKIX").validate(certPath, parameters);
                return Optional.empty();
            } catch (GeneralSecurityException e) {
                return Optional.of(untrusted(e));
            }
        }
    }
}
