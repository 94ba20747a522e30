package org.postloom.bench;

import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/postloom bench sink}: a counting SMTP destination. Prints its counters on stdout
 * ({@code sess=.. msg=.. deferred=..}, one line each time they change, at most every
 * {@code --interval-ms}) until killed.
 */
@Command(name = "sink", mixinStandardHelpOptions = true,
        description = "Accept every message fast and count it; optionally answer 451 to a share of transactions.")
public final class SinkCommand implements Callable<Integer> {

    @Option(names = "--listen", description = "address:port (default ${DEFAULT-VALUE})", defaultValue = "127.0.0.1:2526")
    String listen;

    @Option(names = "--defer-percent", description = "percent of transactions answered 451 at the end of data (default ${DEFAULT-VALUE})",
            defaultValue = "0")
    double deferPercent;

    @Option(names = "--interval-ms", description = "counter line at most this often (default ${DEFAULT-VALUE})", defaultValue = "50")
    long intervalMillis;

    @Override
    public Integer call() throws Exception {
        if (deferPercent < 0 || deferPercent > 100) throw new IllegalArgumentException("--defer-percent must be 0..100");
        PrintStream out = System.out;
        try (Sink sink = new Sink(BlastCommand.hostPort(listen), deferPercent)) {
            sink.start();
            System.err.println("sink: listening on " + sink.address() + (deferPercent > 0 ? ", deferring " + deferPercent + "%" : ""));
            String last = "";
            while (true) {
                Thread.sleep(intervalMillis);
                String now = sink.counters();
                if (!now.equals(last)) {
                    out.println(now);
                    out.flush();
                    last = now;
                }
            }
        }
    }
}
