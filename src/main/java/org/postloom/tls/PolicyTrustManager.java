package org.postloom.tls;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The trust manager of one outbound connection: judges the server's chain with a {@link
 * CertificateCheck} and remembers the verdict. When the policy is enforced a failed check aborts
 * the handshake (nothing is sent to the server); otherwise (MTA-STS testing mode, RFC 8461 5) the
 * connection goes on and the failure is only reported. Server side only: never trusts clients.
 */
final class PolicyTrustManager extends X509ExtendedTrustManager {

    /** The handshake was aborted by policy; the failure travels inside the SSLException's causes. */
    static final class Refused extends CertificateException {
        final transient TlsFailure failure;

        Refused(TlsFailure failure) {
            super(failure.type().word() + ": " + failure.reason());
            this.failure = failure;
        }
    }

    private final CertificateCheck check;
    private final boolean enforced;
    private volatile Optional<TlsFailure> verdict;

    PolicyTrustManager(CertificateCheck check, boolean enforced) {
        this.check = check;
        this.enforced = enforced;
    }

    /** Null until the server's chain was judged; then empty when it passed. */
    Optional<TlsFailure> verdict() {
        return verdict;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        if (chain == null || chain.length == 0) throw new CertificateException("the server sent no certificate");
        Optional<TlsFailure> failure = check.judge(chain, authType);
        verdict = failure;
        if (enforced && failure.isPresent()) throw new Refused(failure.get());
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("an outbound connection never authenticates clients");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
