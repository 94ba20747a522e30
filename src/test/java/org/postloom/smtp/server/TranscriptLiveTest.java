package org.postloom.smtp.server;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.postloom.smtp.Transcript;

/** The same transcripts as TranscriptInMemoryTest, over a real loopback socket. */
class TranscriptLiveTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.postloom.smtp.Transcript#all")
    void runs(Path file) {
        Transcript transcript = Transcript.load(file);
        try (LiveServer server = new LiveServer(); SmtpClient client = server.connectFrom(transcript.clientAddress())) {
            for (Transcript.Exchange exchange : transcript.exchanges()) {
                if (!exchange.send().isEmpty()) client.send(exchange.send().toArray(String[]::new));
                List<String> got = new ArrayList<>();
                for (int i = 0; i < exchange.expect().size(); i++) got.add(client.line());
                Transcript.assertMatches(exchange, got);
            }
        }
    }
}
