package org.postloom.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Optional;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.smtp.SessionSettings;
import org.postloom.smtp.TestSettings;
import org.postloom.tls.ClientTls;
import org.postloom.tls.KeyMaterial;
import org.postloom.tls.ServerTls;

/** STARTTLS (RFC 3207) and implicit TLS (RFC 8314) with BCJSSE on both ends, over loopback. */
class StartTlsLiveTest {

    @TempDir
    static Path spool;
    static TlsUpgrade tls;

    @BeforeAll
    static void keys() {
        tls = TlsUpgrade.with(ServerTls.of(KeyMaterial.loadOrCreate(Optional.empty(), Optional.empty(), spool,
                TestSettings.HOSTNAME)));
    }

    private static LiveServer server(boolean implicitTls) {
        SessionSettings s = TestSettings.session();
        SessionSettings withTls = new SessionSettings(s.hostname(), s.sizeLimit(), s.maxRecipients(), s.maxErrors(),
                true, s.relay());
        return new LiveServer(withTls, LiveServer.QUICK, ConnectionLimits.of(100), tls, implicitTls);
    }

    private static void secure(SmtpClient client) throws Exception {
        SSLSocket secure = ClientTls.opportunistic().upgrade(client.socket, TestSettings.HOSTNAME).socket();
        client.attach(secure);
    }

    @Test
    void upgradesForgetsTheEhloAndRecordsTlsInReceived() throws Exception {
        try (LiveServer server = server(false); SmtpClient client = server.connect()) {
            client.reply();
            client.send("EHLO client.test");
            assertThat(client.reply()).endsWith("250 STARTTLS");
            client.send("STARTTLS");
            assertThat(client.reply()).isEqualTo("220 2.0.0 Ready to start TLS");
            secure(client);
            client.send("MAIL FROM:<a@client.test>");
            assertThat(client.reply()).as("EHLO is forgotten after TLS").startsWith("503 5.5.1");
            client.send("EHLO client.test");
            assertThat(client.reply()).doesNotContain("STARTTLS").contains("250 CHUNKING");
            client.send("STARTTLS");
            assertThat(client.reply()).startsWith("503 5.5.1");
            client.send("MAIL FROM:<a@client.test>", "RCPT TO:<b@example.test>", "DATA");
            client.reply();
            client.reply();
            assertThat(client.reply()).startsWith("354");
            client.send("Subject: secret", "", "hello", ".");
            assertThat(client.reply()).startsWith("250 2.0.0 Ok: queued as");
            String body = server.store.committed().getFirst().text();
            assertThat(body).contains("with ESMTPS").containsPattern("version=TLSv1\\.3 cipher=TLS_AES_\\d+_GCM");
        }
    }

    /** CVE-2011-0411: commands pipelined after STARTTLS in clear text are dropped, never run. */
    @Test
    void plaintextInjectedAfterStartTlsIsNotExecuted() throws Exception {
        try (LiveServer server = server(false); SmtpClient client = server.connect()) {
            client.reply();
            client.send("EHLO client.test");
            client.reply();
            client.raw("STARTTLS\r\nRSET\r\nMAIL FROM:<evil@client.test>\r\n");
            assertThat(client.reply()).startsWith("220 2.0.0");
            secure(client);
            client.send("EHLO client.test");
            assertThat(client.reply()).as("the first reply in TLS answers our EHLO, not injected commands")
                    .startsWith("250-" + TestSettings.HOSTNAME);
            client.send("MAIL FROM:<a@client.test>");
            assertThat(client.reply()).startsWith("250 2.1.0");
        }
    }

    @Test
    void implicitTlsListenerGreetsInsideTls() throws Exception {
        try (LiveServer server = server(true)) {
            SmtpClient client = SmtpClient.connect(server.address(), "127.0.0.1");
            secure(client);
            assertThat(client.reply()).isEqualTo("220 " + TestSettings.HOSTNAME + " ESMTP");
            client.send("EHLO client.test");
            assertThat(client.reply()).doesNotContain("STARTTLS");
            client.close();
        }
    }

    @Test
    void aFailedHandshakeClosesTheConnection() {
        try (LiveServer server = server(false); SmtpClient client = server.connect()) {
            client.reply();
            client.send("EHLO client.test");
            client.reply();
            client.send("STARTTLS");
            client.reply();
            client.raw("this is not a TLS ClientHello\r\n");
            assertThat(client.closedByServer()).isTrue();
        }
    }
}
