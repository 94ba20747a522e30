package org.postloom.cli;

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

    private Logging() {}

    static void configure() {
        if (System.getProperty("java.util.logging.config.file") != null) return;
        System.setProperty("java.util.logging.SimpleFormatter.format",
                "%1$tFT%1$tT.%1$tLZ %4$s %3$s %5$s%6$s%n");
        System.setProperty("user.timezone", "UTC");
        java.util.TimeZone.setDefault(java.util.TimeZone.getTimeZone("UTC"));
        // BCJSSE logs every alert (scanners, bad clients) at INFO with a stack trace.
        BC_JSSE.setLevel(Level.WARNING);
        BC_TLS.setLevel(Level.WARNING);
        BC_CONSTRAINTS.setLevel(Level.SEVERE);
    }
}
