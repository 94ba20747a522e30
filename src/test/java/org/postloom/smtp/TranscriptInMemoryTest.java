package org.postloom.smtp;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every transcript, line by line, against the session alone: no socket. */
class TranscriptInMemoryTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.postloom.smtp.Transcript#all")
    void runs(Path file) {
        Transcript transcript = Transcript.load(file);
        InMemoryConversation conversation =
                new InMemoryConversation(transcript.settings(), transcript.clientAddress(), new MemoryStore());
        for (Transcript.Exchange exchange : transcript.exchanges()) {
            List<String> got = conversation.send(exchange.send());
            Transcript.assertMatches(exchange, got);
        }
    }
}
