package org.postloom.smtp.server;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.postloom.smtp.TestSettings;
import org.postloom.smtp.Transcript;
import org.postloom.tls.ClientTls;
import org.postloom.tls.KeyMaterial;
import org.postloom.tls.ServerTls;

/** The same transcripts as TranscriptInMemoryTest, over a real loopback socket (and real TLS where asked). */
class TranscriptLiveTest {

    @TempDir
    static Path keys;
    static TlsUpgrade tls;

    @BeforeAll
    static void keyMaterial() {
        tls = TlsUpgrade.with(ServerTls.of(KeyMaterial.loadOrCreate(Optional.empty(), Optional.empty(), keys,
                TestSettings.HOSTNAME)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.postloom.smtp.Transcript#all")
    void runs(Path file) throws Exception {
        Transcript transcript = Transcript.load(file);
        try (LiveServer server = new LiveServer(transcript.settings(), LiveServer.QUICK, ConnectionLimits.of(100),
                transcript.tls() ? tls : TlsUpgrade.NONE, false);
             SmtpClient client = server.connectFrom(transcript.clientAddress())) {
            for (Transcript.Exchange exchange : transcript.exchanges()) {
                if (!exchange.send().isEmpty()) client.send(exchange.send().toArray(String[]::new));
                List<String> got = new ArrayList<>();
                for (int i = 0; i < exchange.expect().size(); i++) got.add(client.line());
                Transcript.assertMatches(exchange, got);
                if (Transcript.startsTls(exchange, got)) {
                    client.attach(ClientTls.opportunistic().upgrade(client.socket, TestSettings.HOSTNAME).socket());
                }
            }
        }
    }
}
