package org.postloom.cli;

import java.util.logging.LogManager;

/**
 * The JDK resets logging from its own shutdown hook, which runs beside ours: the lines a graceful
 * stop writes (sessions told 421, "stopped") would be lost. This manager ignores that reset and
 * resets only when our hook has finished.
 */
public final class ShutdownSafeLogManager extends LogManager {

    private static volatile ShutdownSafeLogManager instance;

    public ShutdownSafeLogManager() {
        instance = this;
    }

    @Override
    public void reset() {
        // Ignored: see the class comment. Startup configuration does not depend on it.
    }

    /** Flushes and closes the handlers, at the very end of the relay's shutdown. */
    static void resetAtExit() {
        ShutdownSafeLogManager manager = instance;
        if (manager != null) manager.resetForReal();
    }

    private void resetForReal() {
        super.reset();
    }
}
