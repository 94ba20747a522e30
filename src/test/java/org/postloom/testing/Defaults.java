package org.postloom.testing;

import java.time.Clock;
import java.util.Map;
import org.postloom.RelaySettings;
import org.postloom.config.ConfigLoader;
import org.postloom.delivery.RetryPolicy;
import org.postloom.spool.SpoolOptions;

/** The parts' settings as an unconfigured relay has them: read from the config mapping, where defaults live. */
public final class Defaults {

    private static final RelaySettings SETTINGS = new RelaySettings(ConfigLoader.of(Map.of()));

    private Defaults() {}

    public static SpoolOptions spoolOptions() {
        return SETTINGS.spoolOptions(Clock.systemUTC());
    }

    public static RetryPolicy retryPolicy() {
        return SETTINGS.retry();
    }
}
