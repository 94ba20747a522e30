package org.postloom.cli;

import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One line per event, timestamp first, {@code key=value} after: easy for grep and for log
 * shippers alike.
 */
final class Logging {

    /** Held here because java.util.logging keeps loggers only weakly, and with them their level. */
    private static final Logger BC_JSSE = Logger.getLogger("org.bouncycastle.jsse");
    private static final Logger BC_TLS = Logger.getLogger("org.bouncycastle.tls");
    /** Warns at every start that the JDK's security properties name algorithms it does not know. */
    private static final Logger BC_CONSTRAINTS =
            Logger.getLogger("org.bouncycastle.jsse.provider.DisabledAlgorithmConstraints");
    /** kafka-clients logs its whole configuration at INFO and every failed reconnect at WARNING; the events sink warns once a minute instead. */
    private static final Logger KAFKA = Logger.getLogger("org.apache.kafka");

    private Logging() {}

    static void configure() {
        if (System.getProperty("java.util.logging.config.file") != null) return;
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) root.removeHandler(h);
        Handler handler = new WriteBehindHandler();
        handler.setFormatter(new EventFormatter());
        root.addHandler(handler);
        root.setLevel(Level.INFO);
        // BCJSSE logs every alert (scanners, bad clients) at INFO with a stack trace.
        BC_JSSE.setLevel(Level.WARNING);
        BC_TLS.setLevel(Level.WARNING);
        BC_CONSTRAINTS.setLevel(Level.SEVERE);
        KAFKA.setLevel(Level.SEVERE);
    }
}
