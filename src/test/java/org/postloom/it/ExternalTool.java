package org.postloom.it;

import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real program from a Debian package (swaks, smtp-source, python3), found on the machine and
 * run to completion within a time bound. A missing program fails the test and names the package
 * to install: these peers are the point of the suite, so nothing is skipped.
 */
final class ExternalTool {

    /** What a finished run left behind: its exit code and its standard output and error, interleaved. */
    record Run(List<String> command, int exitCode, String output) {
        @Override
        public String toString() {
            return String.join(" ", command) + "\nexit " + exitCode + "\n" + output;
        }
    }

    private final Path binary;

    private ExternalTool(Path binary) {
        this.binary = binary;
    }

    /** Finds {@code name} on the PATH (or in /usr/sbin, where Postfix keeps smtp-source). */
    static ExternalTool require(String name, String debianPackage) {
        String path = System.getenv().getOrDefault("PATH", "");
        return Stream.concat(Stream.of(path.split(File.pathSeparator)), Stream.of("/usr/sbin", "/sbin"))
                .filter(dir -> !dir.isBlank())
                .map(dir -> Path.of(dir, name))
                .filter(Files::isExecutable)
                .findFirst()
                .map(ExternalTool::new)
                .orElseGet(() -> fail("'" + name + "' is not installed: this test needs the Debian package '"
                        + debianPackage + "' (apt-get install -y " + debianPackage + ")"));
    }

    Path binary() {
        return binary;
    }

    /** Runs the program with stdin empty and waits at most {@code timeout}; a run that takes longer fails. */
    Run run(Duration timeout, List<String> args) throws IOException, InterruptedException {
        var command = new ArrayList<String>();
        command.add(binary.toString());
        command.addAll(args);
        // A file, not a pipe: nothing to drain while we wait, and no deadlock on a chatty program.
        Path output = Files.createTempFile("postloom-it-", ".out");
        try {
            Process process = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
                fail("still running after " + timeout + ": " + String.join(" ", command) + "\n"
                        + readLossily(output));
            }
            return new Run(List.copyOf(command), process.exitValue(), readLossily(output));
        } finally {
            Files.deleteIfExists(output);
        }
    }

    /** Transcripts may hold bytes that are not UTF-8 (a client's raw 8-bit data): never fail on them. */
    private static String readLossily(Path file) throws IOException {
        return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    }

    Run run(Duration timeout, String... args) throws IOException, InterruptedException {
        return run(timeout, List.of(args));
    }
}
