package org.postloom.spool;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.mail.QueueId;
import org.postloom.testing.TestMail;
import org.postloom.testing.TestSpool;

/**
 * A real JVM, killed: SIGKILL while 64 sessions commit, and a file-size limit (RLIMIT_FSIZE, so
 * writes fail with EFBIG) standing in for a full disk. Every acknowledged message must be there
 * afterwards, whole, and no refused one.
 */
class CrashRecoveryTest {

    @TempDir
    Path dir;

    @Test
    void everyAcknowledgedMessageSurvivesSigkill() throws Exception {
        var child = start(List.of(), "0");
        Set<QueueId> acknowledged = new HashSet<>();
        try (var out = new BufferedReader(new InputStreamReader(child.getInputStream()))) {
            for (String line; acknowledged.size() < 2000 && (line = out.readLine()) != null; ) {
                if (line.startsWith("ACK ")) acknowledged.add(new QueueId(line.substring(4)));
            }
            // kill(1) rather than destroyForcibly(), which would close the pipe with acks in flight.
            new ProcessBuilder("kill", "-KILL", Long.toString(child.pid())).start().waitFor();
            for (String line; (line = out.readLine()) != null; ) {
                if (line.startsWith("ACK ")) acknowledged.add(new QueueId(line.substring(4)));
            }
        }
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).as("killed by SIGKILL").isEqualTo(128 + 9);
        assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(2000);
        try (var reopened = TestSpool.open(dir, TestSpool.options())) {
            var present = new HashSet<>(TestMail.ids(reopened.spool().messages()));
            assertThat(present).containsAll(acknowledged);
            assertBodiesWhole(reopened.spool());
        }
    }

    @Test
    void writesThatFailAreRefusedAndLeaveNothingBehind() throws Exception {
        // ulimit -f counts 1 KiB blocks: the segment cannot grow past 4 MiB.
        var child = start(List.of("bash", "-c", "ulimit -f 4096; exec \"$0\" \"$@\""), "200");
        Set<QueueId> acknowledged = new HashSet<>();
        List<String> failures = new ArrayList<>();
        try (var out = new BufferedReader(new InputStreamReader(child.getInputStream()))) {
            for (String line; (line = out.readLine()) != null; ) {
                if (line.startsWith("ACK ")) acknowledged.add(new QueueId(line.substring(4)));
                if (line.startsWith("FAIL ")) failures.add(line.substring(5));
            }
        }
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(failures).hasSizeGreaterThanOrEqualTo(200).allMatch(kind -> kind.equals("FAILED"));
        try (var reopened = TestSpool.open(dir, TestSpool.options())) {
            var present = new HashSet<>(TestMail.ids(reopened.spool().messages()));
            assertThat(present).as("exactly the acknowledged messages").isEqualTo(acknowledged);
            assertThat(reopened.spool().awaitRecovery().truncatedBytes()).isZero();
            assertBodiesWhole(reopened.spool());
        }
    }

    private Process start(List<String> wrapper, String stopAfterFailures) throws IOException {
        var command = new ArrayList<>(wrapper);
        command.addAll(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "-cp", System.getProperty("java.class.path"), SpoolChild.class.getName(),
                dir.toString(), stopAfterFailures));
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    /** A message is whole when its body is what the child wrote for that id. */
    private static void assertBodiesWhole(Spool spool) throws IOException {
        for (var message : spool.messages()) {
            byte[] body = TestSpool.readBody(spool, message.queueId());
            assertThat(body).as(message.queueId().value())
                    .isEqualTo(TestMail.body(message.queueId().value(), body.length));
        }
    }
}
