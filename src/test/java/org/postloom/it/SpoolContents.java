package org.postloom.it;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import org.postloom.mail.QueueId;
import org.postloom.spool.Spool;
import org.postloom.testing.Defaults;

/**
 * What a stopped relay left in its spool, read through the spool's own recovery: the ground truth
 * behind the relay's "250 queued". Only ever open this once the relay process has exited: a spool
 * has one owner.
 */
final class SpoolContents implements AutoCloseable {

    private final Spool spool;

    private SpoolContents(Spool spool) {
        this.spool = spool;
    }

    static SpoolContents open(Path spoolDir) throws IOException {
        return new SpoolContents(Spool.open(spoolDir, Defaults.spoolOptions(), message -> {}));
    }

    Set<String> queueIds() {
        return spool.messages().stream().map(m -> m.queueId().value()).collect(Collectors.toSet());
    }

    /** The stored message, Received header first, exactly as the relay would deliver it. */
    String message(String queueId) throws IOException {
        try (InputStream body = spool.openBody(new QueueId(queueId))) {
            return new String(body.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() {
        spool.close();
    }
}
