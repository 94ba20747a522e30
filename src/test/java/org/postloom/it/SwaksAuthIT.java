package org.postloom.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.cli.Main;
import org.postloom.tls.ClientTls;

/**
 * Authenticated submission (RFC 4954 over STARTTLS) from a client outside the relay networks,
 * with swaks as the client and a users file made by {@code postloom passwd}.
 */
class SwaksAuthIT {

    @RegisterExtension
    final Relays relays = new Relays();

    @TempDir
    Path work;

    private final ExternalTool swaks = ExternalTool.require("swaks", "swaks");
    private RelayProcess relay;

    @BeforeEach
    void startWithAUser() throws Exception {
        Path users = work.resolve("users");
        passwd(users, "app", "correct horse");
        relay = relays.start(RelayProcess.Settings.in(work).relayNetworks("127.0.0.1/32")
                .set("POSTLOOM_AUTH_USERS_FILE", users.toString()));
    }

    /** Runs {@code postloom passwd FILE USER} with the password on standard input. */
    static void passwd(Path file, String user, String password) {
        var in = System.in;
        try {
            System.setIn(new ByteArrayInputStream((password + "\n").getBytes(StandardCharsets.UTF_8)));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int exit = Main.commandLine().setOut(new PrintWriter(new PrintStream(out), true))
                    .execute("passwd", file.toString(), user);
            assertThat(exit).isZero();
        } finally {
            System.setIn(in);
        }
    }

    private ExternalTool.Run send(String... extra) throws Exception {
        String[] base = {"--server", "127.0.0.1:" + relay.smtpPort(), "--local-interface", "127.0.0.2",
                "--from", "app@sender.test", "--to", "someone@far-away.test", "--tls"};
        String[] all = new String[base.length + extra.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return swaks.run(Duration.ofSeconds(60), all);
    }

    @Test
    void plainOverStartTlsRelays() throws Exception {
        ExternalTool.Run run = send("--auth", "PLAIN", "--auth-user", "app", "--auth-password", "correct horse");
        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.output()).contains("235 2.7.0").contains("250 2.0.0 Ok: queued as");
    }

    @Test
    void loginOverStartTlsRelays() throws Exception {
        ExternalTool.Run run = send("--auth", "LOGIN", "--auth-user", "app", "--auth-password", "correct horse");
        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.output()).contains("334 VXNlcm5hbWU6").contains("235 2.7.0").contains("250 2.0.0 Ok: queued as");
        assertThat(relay.awaitLogLines("auth=ok user=app", 1, Duration.ofSeconds(5))).isNotEmpty();
    }

    @Test
    void withoutLoggingInTheClientMayNotRelay() throws Exception {
        ExternalTool.Run run = send();
        assertThat(run.output()).contains("554 5.7.1");
        assertThat(run.exitCode()).isNotZero();
    }

    @Test
    void withoutTlsAuthIsNotOffered() throws Exception {
        ExternalTool.Run run = swaks.run(Duration.ofSeconds(60), "--server", "127.0.0.1:" + relay.smtpPort(),
                "--local-interface", "127.0.0.2", "--to", "someone@far-away.test",
                "--auth", "PLAIN", "--auth-user", "app", "--auth-password", "correct horse");
        assertThat(run.exitCode()).isNotZero();
        assertThat(run.output()).doesNotContain("235 2.7.0").doesNotContain("queued as");
    }

    @Test
    void wrongPasswordsAreRefused() throws Exception {
        ExternalTool.Run run = send("--auth", "PLAIN", "--auth-user", "app", "--auth-password", "wrong");
        assertThat(run.output()).contains("535 5.7.8");
        assertThat(run.exitCode()).isNotZero();
    }

    /** Each failure from the same address is answered later than the one before (timed at the socket). */
    @Test
    void repeatedFailuresAreSlowedDown() throws Exception {
        try (Socket plain = new Socket()) {
            plain.bind(new InetSocketAddress("127.0.0.2", 0));
            plain.connect(new InetSocketAddress("127.0.0.1", relay.smtpPort()), 5000);
            plain.setSoTimeout(30_000);
            var in = new BufferedReader(new InputStreamReader(plain.getInputStream(), StandardCharsets.US_ASCII));
            plain.getOutputStream().write("EHLO c.test\r\nSTARTTLS\r\n".getBytes(StandardCharsets.US_ASCII));
            while (!in.readLine().startsWith("220 2.0.0")) {
                // greeting and EHLO lines
            }
            Socket tls = ClientTls.opportunistic().upgrade(plain, "relay.postloom.test").socket();
            var secureIn = new BufferedReader(new InputStreamReader(tls.getInputStream(), StandardCharsets.US_ASCII));
            tls.getOutputStream().write("EHLO c.test\r\n".getBytes(StandardCharsets.US_ASCII));
            String line;
            do {
                line = secureIn.readLine();
            } while (line.charAt(3) == '-');
            String wrong = "AUTH PLAIN " + Base64.getEncoder().encodeToString("\0app\0nope".getBytes(StandardCharsets.UTF_8)) + "\r\n";
            // The throttle's schedule (auth.FailureThrottle): 0.5 s, 1 s, 2 s before each refusal. Each
            // answer comes no sooner than its step; load (bcrypt under a busy CPU) only adds to it,
            // so comparing one attempt's total with the previous one's would judge the CPU instead.
            for (int attempt = 0; attempt < 3; attempt++) {
                long start = System.nanoTime();
                tls.getOutputStream().write(wrong.getBytes(StandardCharsets.US_ASCII));
                assertThat(secureIn.readLine()).startsWith("535 5.7.8");
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                assertThat(took).as("attempt %d", attempt).isGreaterThanOrEqualTo(Duration.ofMillis(500L << attempt));
            }
        }
    }
}
