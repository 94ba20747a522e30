package org.postloom.cli;

import picocli.CommandLine;

/** {@code bin/postloom}: the relay in the foreground by default, or one of the subcommands. */
public final class Main {

    private Main() {}

    public static void main(String[] args) {
        // Must be chosen before anything touches java.util.logging.
        System.setProperty("java.util.logging.manager", ShutdownSafeLogManager.class.getName());
        Logging.configure();
        int exit = new CommandLine(new RunCommand()).execute(args);
        if (exit != 0) System.exit(exit);
    }
}
