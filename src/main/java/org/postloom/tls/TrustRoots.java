package org.postloom.tls;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The certificate authorities outbound verification trusts: the JDK's, plus those of {@code
 * postloom.tls.trust-ca} (a private CA, a test CA). Used for MX certificates under MTA-STS and
 * {@code require-verified-tls}, MTA-STS policy fetches and TLS-RPT submissions alike.
 */
public final class TrustRoots {

    private final X509TrustManager manager;
    private final SSLContext httpsContext;

    private TrustRoots(X509TrustManager manager, SSLContext httpsContext) {
        this.manager = manager;
        this.httpsContext = httpsContext;
    }

    /** The JDK's roots and the certificates in {@code extraPem}; a bad file stops the start. */
    public static TrustRoots jdkAnd(Optional<Path> extraPem) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            int n = 0;
            for (X509Certificate root : jdkManager().getAcceptedIssuers()) store.setCertificateEntry("jdk" + n++, root);
            List<X509Certificate> extra = extraPem.filter(p -> !p.toString().isBlank()).map(PemFiles::readCertificates).orElse(List.of());
            for (X509Certificate ca : extra) store.setCertificateEntry("extra" + n++, ca);
            var factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            X509TrustManager manager = x509(factory.getTrustManagers());
            SSLContext https = SSLContext.getInstance("TLS");
            https.init(null, new TrustManager[] {manager}, null);
            return new TrustRoots(manager, https);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build the trusted roots (postloom.tls.trust-ca=" + extraPem.orElse(null) + "): " + e.getMessage(), e);
        }
    }

    /** Exactly the anchors in {@code store}; null means the JDK's roots alone. */
    static TrustRoots of(KeyStore store) {
        if (store == null) return jdkAnd(Optional.empty());
        try {
            var factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            X509TrustManager manager = x509(factory.getTrustManagers());
            SSLContext https = SSLContext.getInstance("TLS");
            https.init(null, new TrustManager[] {manager}, null);
            return new TrustRoots(manager, https);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot use the given trust anchors: " + e.getMessage(), e);
        }
    }

    /** PKIX validation against these roots (no name check: {@link CertificateCheck} does that). */
    public X509TrustManager manager() {
        return manager;
    }

    /** A JDK TLS context trusting these roots, for HTTPS clients (which check names themselves). */
    public SSLContext httpsContext() {
        return httpsContext;
    }

    private static X509TrustManager jdkManager() throws GeneralSecurityException {
        var factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init((KeyStore) null);
        return x509(factory.getTrustManagers());
    }

    private static X509TrustManager x509(TrustManager[] managers) {
        return Arrays.stream(managers).filter(X509TrustManager.class::isInstance).map(X509TrustManager.class::cast)
                .findFirst().orElseThrow(() -> new IllegalStateException("no X509TrustManager"));
    }
}
