package org.postloom.tls;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Makes the certificate a relay uses when the operator configured none. Peers doing opportunistic
 * TLS (nearly all MTAs) accept it. ECDSA P-256 and not RSA: BCJSSE over the JDK's crypto cannot
 * sign TLS 1.3 handshakes with RSA keys unless the BC provider is registered (docs/architecture.md).
 */
final class SelfSignedCertificate {

    static final Duration VALIDITY = Duration.ofDays(3650);

    private SelfSignedCertificate() {
    }

    /** A new key pair and a certificate naming {@code hostname} as CN and subjectAltName. */
    static KeyMaterial generate(String hostname) {
        try {
            var generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return sign(hostname, generator.generateKeyPair(), "SHA256withECDSA");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot make an EC P-256 key pair", e);
        }
    }

    /** A self-signed certificate for {@code keys}; tests use it for other key types too. */
    static KeyMaterial sign(String relayHostname, KeyPair keys, String signatureAlgorithm) {
        String hostname = HostNames.withoutTrailingDot(relayHostname);
        try {
            X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, hostname).build();
            var now = Instant.now();
            var builder = new JcaX509v3CertificateBuilder(
                    subject,
                    new BigInteger(64, new SecureRandom()).setBit(63), // positive, 8 bytes, unique enough
                    Date.from(now.minus(Duration.ofDays(1))), // tolerate peers whose clocks lag
                    Date.from(now.plus(VALIDITY)),
                    subject,
                    keys.getPublic());
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(subjectAltName(hostname)));
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            builder.addExtension(Extension.extendedKeyUsage, false,
                    new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));

            var signer = new JcaContentSignerBuilder(signatureAlgorithm).build(keys.getPrivate());
            var certificate = new JcaX509CertificateConverter().getCertificate(builder.build(signer));
            return new KeyMaterial(keys.getPrivate(), List.of(certificate));
        } catch (GeneralSecurityException | OperatorCreationException | CertIOException e) {
            throw new IllegalStateException("cannot make a self-signed certificate for " + hostname, e);
        }
    }

    /** An IP-literal hostname goes in as an iPAddress name; anything else as a DNS name. */
    private static GeneralName subjectAltName(String hostname) {
        return new GeneralName(HostNames.isAddressLiteral(hostname) ? GeneralName.iPAddress : GeneralName.dNSName, hostname);
    }
}
