package org.postloom.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.auth.Authenticator;
import org.postloom.auth.FailureThrottle;
import org.postloom.auth.UsersFile;

/** SMTP AUTH (RFC 4954) line by line, without a socket. */
class AuthSessionTest {

    @TempDir
    Path dir;

    private SmtpSession session;

    @BeforeEach
    void secureSessionFromAnUntrustedAddress() throws Exception {
        Path users = dir.resolve("users");
        UsersFile.setPassword(users, "alice", "s3cret".toCharArray());
        UsersFile.setPassword(users, "bob", "hunter2".toCharArray());
        Files.writeString(users, Files.readString(users).replaceAll("(?m)^(bob:.*)$", "$1:bob@app.test"));
        SessionSettings s = TestSettings.session();
        SessionSettings withAuth = new SessionSettings(s.hostname(), s.sizeLimit(), s.maxRecipients(), s.maxErrors(), true,
                s.relay(), new Authenticator(new UsersFile(users), new FailureThrottle()));
        session = new SmtpSession(withAuth, InetAddress.getByName("127.0.0.2"), Clock.systemUTC(), new MemoryStore());
    }

    private String say(String line) {
        return reply(session.handle(line)).toString().strip();
    }

    private static Reply reply(Step step) {
        return switch (step) {
            case Step.Continue c -> c.reply();
            case Step.Pause p -> p.reply();
            case Step.Close c -> c.reply();
            case Step.StartTls t -> t.reply();
            default -> throw new AssertionError(step);
        };
    }

    private void startTls() {
        say("EHLO client.test");
        assertThat(say("STARTTLS")).startsWith("220");
        session.tlsStarted("version=TLSv1.3 cipher=TLS_AES_256_GCM_SHA384");
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void beforeTlsAuthIsNeitherOfferedNorAccepted() {
        assertThat(say("EHLO client.test")).doesNotContain("AUTH");
        assertThat(say("AUTH PLAIN " + b64("\0alice\0s3cret"))).startsWith("530 5.7.0");
    }

    @Test
    void plainWithAnInitialResponseAuthenticatesAndAllowsRelaying() {
        startTls();
        assertThat(say("EHLO client.test")).contains("AUTH PLAIN LOGIN");
        say("MAIL FROM:<alice@app.test>");
        assertThat(say("RCPT TO:<x@elsewhere.test>")).as("not yet authenticated").startsWith("554 5.7.1");
        say("RSET");
        assertThat(say("AUTH PLAIN " + b64("\0alice\0s3cret"))).isEqualTo("235 2.7.0 Authentication successful");
        assertThat(say("AUTH PLAIN " + b64("\0alice\0s3cret"))).startsWith("503 5.5.1");
        say("MAIL FROM:<alice@app.test>");
        assertThat(say("RCPT TO:<x@elsewhere.test>")).startsWith("250 2.1.5");
    }

    @Test
    void loginAsksForUserThenPassword() {
        startTls();
        say("EHLO client.test");
        assertThat(say("AUTH LOGIN")).isEqualTo("334 VXNlcm5hbWU6");
        assertThat(say(b64("alice"))).isEqualTo("334 UGFzc3dvcmQ6");
        assertThat(say(b64("s3cret"))).startsWith("235 2.7.0");
    }

    @Test
    void plainWithoutInitialResponseAndCancelling() {
        startTls();
        say("EHLO client.test");
        assertThat(say("AUTH PLAIN")).isEqualTo("334");
        assertThat(say("*")).startsWith("501 5.0.0");
        assertThat(say("AUTH PLAIN")).isEqualTo("334");
        assertThat(say("not base64!")).startsWith("501 5.5.2");
        assertThat(say("AUTH CRAM-MD5")).startsWith("504 5.5.4");
    }

    @Test
    void wrongPasswordsAreRefusedMoreSlowlyEachTime() {
        startTls();
        say("EHLO client.test");
        Step first = session.handle("AUTH PLAIN " + b64("\0alice\0wrong"));
        Step second = session.handle("AUTH PLAIN " + b64("\0alice\0wrong-again"));
        assertThat(first).isInstanceOfSatisfying(Step.Pause.class, p -> {
            assertThat(p.reply().toString()).startsWith("535 5.7.8");
            assertThat(p.delay()).isGreaterThanOrEqualTo(Duration.ofMillis(500));
        });
        assertThat(((Step.Pause) second).delay()).isGreaterThan(((Step.Pause) first).delay());
        assertThat(say("AUTH PLAIN " + b64("\0nobody\0s3cret"))).startsWith("535 5.7.8");
        assertThat(say("AUTH PLAIN " + b64("mallory\0alice\0s3cret"))).as("acting for someone else").startsWith("535 5.7.8");
    }

    @Test
    void aRestrictedUserMayOnlyUseItsOwnSenders() {
        startTls();
        say("EHLO client.test");
        say("AUTH PLAIN " + b64("\0bob\0hunter2"));
        assertThat(say("MAIL FROM:<ceo@app.test>")).startsWith("553 5.7.1");
        assertThat(say("MAIL FROM:<bob@app.test> AUTH=<>")).startsWith("250 2.1.0");
    }

    @Test
    void starttlsForgetsTheLogin() {
        startTls();
        say("EHLO client.test");
        say("AUTH PLAIN " + b64("\0alice\0s3cret"));
        session.tlsStarted("again");
        say("EHLO client.test");
        say("MAIL FROM:<alice@app.test>");
        assertThat(say("RCPT TO:<x@elsewhere.test>")).startsWith("554 5.7.1");
    }
}
