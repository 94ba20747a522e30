package org.postloom.it;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The relays a test started, stopped after it whatever happened. When the test failed, each
 * relay's log (its end) is printed: the relay's side of the story is usually the explanation.
 * Register as an instance field with {@code @RegisterExtension}.
 */
final class Relays implements AfterEachCallback {

    private static final int LOG_LINES_ON_FAILURE = 200;

    /** Safe to start relays from several threads at once. */
    private final List<RelayProcess> started = new java.util.concurrent.CopyOnWriteArrayList<>();

    RelayProcess start(RelayProcess.Settings settings) throws IOException, InterruptedException {
        RelayProcess relay = RelayProcess.start(settings);
        started.add(relay);
        return relay;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        boolean failed = context.getExecutionException().isPresent();
        for (RelayProcess relay : started) {
            relay.close();
            if (failed) {
                System.out.println("---- relay pid " + relay.pid() + ", " + relay.logFile() + " (last "
                        + LOG_LINES_ON_FAILURE + " lines) ----\n" + relay.logTail(LOG_LINES_ON_FAILURE));
            }
        }
        started.clear();
    }
}
