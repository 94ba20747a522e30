package org.postloom.bench;

import picocli.CommandLine.Command;

/**
 * {@code bin/postloom bench}: the tools that {@code bench/run} drives. {@code blast} is the load
 * generator, {@code sink} a counting destination that can defer a share of transactions.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmark tools: load generators for SMTP (blast) and HTTP (inject), and a counting SMTP sink (sink).",
        subcommands = {BlastCommand.class, SinkCommand.class, InjectCommand.class})
public final class BenchCommand {
}
