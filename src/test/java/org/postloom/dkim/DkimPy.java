package org.postloom.dkim;

import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The real verifier: dkimpy from Debian's python3-dkim (the code its {@code dkimverify} runs),
 * through {@code src/test/resources/dkim/verify.py}, which takes the public keys from our DNS
 * server. Missing, it fails the test and names the package: nothing is skipped.
 */
public final class DkimPy {

    private static final Path PYTHON = Path.of("/usr/bin/python3");

    /** What the verifier said: one line per signature, and whether every signature verified. */
    public record Verdict(boolean allVerified, String output) {
    }

    private final Path script;
    private final InetSocketAddress dns;

    private DkimPy(Path script, InetSocketAddress dns) {
        this.script = script;
        this.dns = dns;
    }

    public static DkimPy require(InetSocketAddress dns) throws IOException, InterruptedException {
        // Debian's python3-dkim lives in /usr/lib/python3/dist-packages: only the system python3 sees it.
        if (!Files.isExecutable(PYTHON) || run(new ProcessBuilder(PYTHON.toString(), "-c",
                "import dkim, nacl, dns.resolver"), null).exitCode != 0) {
            fail("dkimpy is not installed: this test needs the Debian package 'python3-dkim'"
                    + " (apt-get install -y python3-dkim), which brings python3-nacl and python3-dnspython");
        }
        try {
            return new DkimPy(Path.of(DkimPy.class.getResource("/dkim/verify.py").toURI()), dns);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public Verdict verify(byte[] message) throws IOException, InterruptedException {
        Path file = Files.createTempFile("dkim-message-", ".eml");
        try {
            Files.write(file, message);
            Result r = run(new ProcessBuilder(PYTHON.toString(), script.toString(), Integer.toString(dns.getPort())), file);
            return new Verdict(r.exitCode == 0, r.output);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private record Result(int exitCode, String output) {
    }

    private static Result run(ProcessBuilder builder, Path input) throws IOException, InterruptedException {
        Path output = Files.createTempFile("dkim-verify-", ".out");
        try {
            Process process = builder
                    .redirectInput(input == null ? ProcessBuilder.Redirect.from(new File("/dev/null"))
                            : ProcessBuilder.Redirect.from(input.toFile()))
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .start();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                fail("python3 still running after 60 s: " + String.join(" ", builder.command()));
            }
            return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
