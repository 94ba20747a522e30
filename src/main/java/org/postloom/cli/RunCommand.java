package org.postloom.cli;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;
import org.postloom.Relay;
import org.postloom.bench.BenchCommand;
import org.postloom.config.ConfigLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs the relay in the foreground until SIGTERM or SIGINT. */
@Command(name = "postloom", mixinStandardHelpOptions = true,
        description = "Postloom SMTP relay. With no subcommand it runs the relay in the foreground.",
        subcommands = {RunCommand.Run.class, QueueCommand.class, SitesCommand.class, PasswdCommand.class, BenchCommand.class})
final class RunCommand implements Callable<Integer> {

    @Option(names = "--config", description = "properties or YAML file (else $POSTLOOM_CONFIG)")
    Path config;

    @Override
    public Integer call() throws Exception {
        return run(Optional.ofNullable(config));
    }

    static int run(Optional<Path> config) throws Exception {
        Relay relay = Relay.start(ConfigLoader.load(config));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            relay.close();
            stopped.countDown();
            ShutdownSafeLogManager.resetAtExit();
        }, "shutdown"));
        // A failure the relay cannot go on after (the log has said why) ends the process: the
        // shutdown hook closes the relay gracefully, and the exit status tells the supervisor.
        relay.failure().whenComplete((never, failed) -> System.exit(1));
        stopped.await();
        return 0;
    }

    @Command(name = "run", mixinStandardHelpOptions = true, description = "Run the relay in the foreground.")
    static final class Run implements Callable<Integer> {
        @Option(names = "--config", description = "properties or YAML file (else $POSTLOOM_CONFIG)")
        Path config;

        @Override
        public Integer call() throws Exception {
            return RunCommand.run(Optional.ofNullable(config));
        }
    }
}
