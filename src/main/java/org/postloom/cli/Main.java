package org.postloom.cli;

import picocli.CommandLine;

/** {@code bin/postloom}: the relay in the foreground by default, or one of the subcommands. */
public final class Main {

    private Main() {}

    /** The command tree; failures print one clear line, not a stack trace. */
    public static CommandLine commandLine() {
        return new CommandLine(new RunCommand()).setExecutionExceptionHandler((e, cl, parsed) -> {
            cl.getErr().println("postloom: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            cl.getErr().flush();
            return 1;
        });
    }

    public static void main(String[] args) {
        // Must be chosen before anything touches java.util.logging.
        System.setProperty("java.util.logging.manager", ShutdownSafeLogManager.class.getName());
        Logging.configure();
        int exit = commandLine().execute(args);
        if (exit != 0) System.exit(exit);
    }
}
