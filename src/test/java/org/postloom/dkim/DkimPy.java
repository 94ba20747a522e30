package org.postloom.dkim;

import static org.assertj.core.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
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
public final class DkimPy implements AutoCloseable {

    private static final Path PYTHON = Path.of("/usr/bin/python3");

    /** What the verifier said: one line per signature, and whether every signature verified. */
    public record Verdict(boolean allVerified, String output) {
    }

    private final Path script;
    private final InetSocketAddress dns;
    private Process server;
    private BufferedReader answers;

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

    /**
     * Verifies one message. The first call starts one {@code verify.py --serve} that answers every
     * later call too (starting python3 with dkimpy costs about half a second of CPU each time).
     */
    public synchronized Verdict verify(byte[] message) throws IOException {
        if (server == null || !server.isAlive()) {
            server = new ProcessBuilder(PYTHON.toString(), script.toString(), Integer.toString(dns.getPort()), "--serve")
                    .redirectErrorStream(true).start();
            answers = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        }
        OutputStream requests = server.getOutputStream();
        requests.write((message.length + "\n").getBytes(StandardCharsets.US_ASCII));
        requests.write(message);
        requests.flush();
        var output = new StringBuilder();
        for (String line = answers.readLine(); line != null; line = answers.readLine()) {
            if (line.startsWith("exit=")) return new Verdict(line.equals("exit=0"), output.toString());
            output.append(line).append('\n');
        }
        server.destroyForcibly();
        return fail("verify.py ended without a verdict: " + output);
    }

    /** Ends the verifier process; the next {@link #verify} starts another. */
    @Override
    public synchronized void close() {
        if (server != null) server.destroyForcibly();
        server = null;
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
