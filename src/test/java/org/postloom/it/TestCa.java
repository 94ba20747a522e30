package org.postloom.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * A certificate authority made with openssl (Debian package openssl), and certificates it issues
 * or that sign themselves, as PEM files in one directory. TLSA association data is computed with
 * openssl too, so that the tests do not take Postloom's own DANE code as the witness.
 */
final class TestCa {

    /** A certificate and its key; {@code chain} holds the leaf then the CA (DANE-TA needs the CA sent). */
    record Issued(Path cert, Path key, Path chain) {}

    private static final Duration STEP = Duration.ofSeconds(30);
    private final ExternalTool openssl = ExternalTool.require("openssl", "openssl");
    private final Path dir;
    final Path caCert;
    private final Path caKey;

    TestCa(Path dir) throws IOException, InterruptedException {
        this.dir = Files.createDirectories(dir);
        caCert = dir.resolve("ca.pem");
        caKey = dir.resolve("ca.key");
        ok(openssl.run(STEP, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", caKey.toString(), "-out", caCert.toString(), "-days", "30", "-subj", "/CN=Postloom Test CA",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"));
    }

    /** A server certificate for {@code names} (subjectAltName DNS), signed by this CA. */
    Issued issue(String file, String... names) throws IOException, InterruptedException {
        Path key = dir.resolve(file + ".key");
        Path csr = dir.resolve(file + ".csr");
        Path cert = dir.resolve(file + ".pem");
        ok(openssl.run(STEP, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", key.toString(), "-out", csr.toString(), "-subj", "/CN=" + names[0]));
        Path ext = dir.resolve(file + ".ext");
        Files.writeString(ext, "subjectAltName=" + sans(names) + "\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n");
        ok(openssl.run(STEP, "x509", "-req", "-in", csr.toString(), "-CA", caCert.toString(), "-CAkey", caKey.toString(),
                "-CAcreateserial", "-days", "30", "-out", cert.toString(), "-extfile", ext.toString()));
        Path chain = dir.resolve(file + ".chain.pem");
        Files.writeString(chain, Files.readString(cert) + Files.readString(caCert));
        return new Issued(cert, key, chain);
    }

    /** A certificate for {@code names} that signs itself: right names, no trusted issuer. */
    Issued selfSigned(String file, String... names) throws IOException, InterruptedException {
        Path key = dir.resolve(file + ".key");
        Path cert = dir.resolve(file + ".pem");
        ok(openssl.run(STEP, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", key.toString(), "-out", cert.toString(), "-days", "30", "-subj", "/CN=" + names[0],
                "-addext", "subjectAltName=" + sans(names)));
        return new Issued(cert, key, cert);
    }

    /** TLSA {@code 3 1 1} data: SHA-256 of the certificate's SubjectPublicKeyInfo. */
    String spkiSha256(Path cert) throws IOException, InterruptedException {
        Path spki = dir.resolve(cert.getFileName() + ".spki.der");
        ok(openssl.run(STEP, "x509", "-in", cert.toString(), "-noout", "-pubkey", "-out", dir.resolve("pub.tmp").toString()));
        ok(openssl.run(STEP, "pkey", "-pubin", "-in", dir.resolve("pub.tmp").toString(), "-outform", "DER", "-out", spki.toString()));
        return sha256(spki);
    }

    /** TLSA {@code 2 0 1} data: SHA-256 of the whole certificate (DER). */
    String certSha256(Path cert) throws IOException, InterruptedException {
        Path der = dir.resolve(cert.getFileName() + ".der");
        ok(openssl.run(STEP, "x509", "-in", cert.toString(), "-outform", "DER", "-out", der.toString()));
        return sha256(der);
    }

    private String sha256(Path file) throws IOException, InterruptedException {
        ExternalTool.Run run = openssl.run(STEP, "dgst", "-sha256", "-r", file.toString());
        ok(run);
        String hex = run.output().strip().split(" ")[0].toLowerCase(Locale.ROOT);
        HexFormat.of().parseHex(hex); // fails loudly on anything else
        return hex;
    }

    private static String sans(String... names) {
        List<String> out = new ArrayList<>();
        for (String n : names) out.add("DNS:" + n);
        return String.join(",", out);
    }

    private static void ok(ExternalTool.Run run) {
        assertThat(run.exitCode()).as(run.toString()).isZero();
    }
}
