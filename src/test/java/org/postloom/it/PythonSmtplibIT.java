package org.postloom.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Python's smtplib, the client half the world's scripts use, in one session with the real relay:
 * STARTTLS, a message to three recipients, SMTPUTF8 with a non-ASCII address, and the 553 a
 * non-ASCII address gets when the client did not ask for SMTPUTF8. The script is
 * {@code src/test/resources/it/smtplib_session.py}; it prints one line per step.
 */
class PythonSmtplibIT {

    @RegisterExtension
    final Relays relays = new Relays();

    @TempDir
    Path dir;

    private final ExternalTool python = ExternalTool.require("python3", "python3");

    @Test
    void smtplibSessionWithStartTlsAndSmtpUtf8() throws Exception {
        RelayProcess relay = relays.start(RelayProcess.Settings.in(dir));
        Path script = copyScript("smtplib_session.py");

        ExternalTool.Run run = python.run(Duration.ofSeconds(30), script.toString(), "127.0.0.1",
                Integer.toString(relay.smtpPort()));

        assertThat(run.exitCode()).as(run.toString()).isZero();
        List<String> steps = run.output().lines().toList();
        assertThat(steps).as(run.toString())
                .anyMatch(s -> s.startsWith("EHLO_BEFORE_TLS ") && s.contains("starttls") && s.contains("smtputf8"))
                .contains("STARTTLS 220 2.0.0 Ready to start TLS")
                .containsAnyOf("TLS_VERSION TLSv1.3", "TLS_VERSION TLSv1.2")
                .anyMatch(s -> s.startsWith("EHLO_IN_TLS ") && !s.contains("starttls") && s.contains("smtputf8"))
                .contains("SENDMAIL_THREE refused=0", "SENDMAIL_SMTPUTF8 refused=0")
                .anyMatch(s -> s.startsWith("MAIL_NON_ASCII_WITHOUT_SMTPUTF8 553 5.6.7"))
                .anyMatch(s -> s.startsWith("MAIL_ASCII 250 2.1.0"))
                .anyMatch(s -> s.startsWith("RCPT_NON_ASCII_WITHOUT_SMTPUTF8 553 5.6.7"))
                .endsWith("DONE");

        // The relay's side: two messages durable, one for three recipients, one for the UTF-8 address.
        List<String> queued = relay.awaitLogLines("queued id=", 2, Duration.ofSeconds(5));
        assertThat(queued).as(relay.log()).hasSize(2);
        assertThat(queued.get(0)).contains("from=<sender@client.test>", "nrcpt=3");
        assertThat(queued.get(1)).contains("from=<sender@client.test>", "nrcpt=1");
    }

    private Path copyScript(String name) throws IOException {
        try (InputStream in = PythonSmtplibIT.class.getResourceAsStream("/it/" + name)) {
            Path script = dir.resolve(name);
            Files.copy(Objects.requireNonNull(in, "test resource it/" + name), script);
            return script;
        }
    }
}
