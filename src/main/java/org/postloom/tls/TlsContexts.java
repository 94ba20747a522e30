package org.postloom.tls;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.Security;
import java.security.cert.Certificate;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.jsse.provider.BouncyCastleJsseProvider;

/**
 * Builds BCJSSE {@link SSLContext}s. The JSSE provider is passed as an object rather than
 * registered globally, so the JDK's own TLS stays the default for anything else in the process
 * (Helidon). Only the BC crypto provider is registered, at the end of the list (see below).
 */
final class TlsContexts {

    /** Only these; TLS 1.0/1.1 are deprecated (RFC 8996) and also refused by RFC 8314 peers. */
    static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    private static final BouncyCastleJsseProvider JSSE;

    static {
        // Over the JDK's crypto alone, BCJSSE 1.84 can neither make nor check the RSA-PSS
        // signatures that TLS 1.3 requires of RSA certificates (checked: with an RSA key, BCJSSE
        // as server, and as client against SunJSSE, fails with handshake_failure). Most MX hosts
        // have RSA certificates, so the outbound client needs it as much as the server. Appended
        // last, the BC provider only fills such gaps: AES-GCM, SHA-2 and EC stay with the JDK's
        // faster, intrinsic-backed code. It also brings pure-Java ChaCha20, which BCJSSE then
        // ranks first; CipherSuites puts AES-GCM back in front.
        if (Security.getProvider(BouncyCastleProvider.PROVIDER_NAME) == null) {
            Security.addProvider(new BouncyCastleProvider());
        }
        JSSE = new BouncyCastleJsseProvider();
    }

    private TlsContexts() {
    }

    static SSLContext server(KeyMaterial material) {
        try {
            var store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            char[] password = new char[0]; // in memory only; never written anywhere
            store.setKeyEntry("postloom", material.privateKey(), password, material.chain().toArray(Certificate[]::new));
            var keyManagers = KeyManagerFactory.getInstance("PKIX", JSSE);
            keyManagers.init(store, password);
            return context(keyManagers.getKeyManagers(), null);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build the TLS server context for " + material, e);
        }
    }

    /** Trusts every certificate: for opportunistic encryption only (see {@link TrustAllTrustManager}). */
    static SSLContext opportunisticClient() {
        return context(null, new TrustManager[] {new TrustAllTrustManager()});
    }

    /** A client judged by one connection's own trust manager (DANE, MTA-STS). */
    static SSLContext clientTrusting(TrustManager trustManager) {
        return context(null, new TrustManager[] {trustManager});
    }

    /** PKIX trust anchored in {@code trustStore}, or the JDK's cacerts when it is null. */
    static SSLContext verifyingClient(KeyStore trustStore) {
        try {
            var trustManagers = TrustManagerFactory.getInstance("PKIX", JSSE);
            trustManagers.init(trustStore);
            return context(null, trustManagers.getTrustManagers());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot build the verifying TLS client context", e);
        }
    }

    private static SSLContext context(KeyManager[] keyManagers, TrustManager[] trustManagers) {
        try {
            var context = SSLContext.getInstance("TLS", JSSE);
            // BCJSSE fails on a null SecureRandom, unlike SunJSSE (ARCHITECTURE.md, known traps).
            context.init(keyManagers, trustManagers, new SecureRandom());
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot initialise a BCJSSE TLS context", e);
        }
    }
}
