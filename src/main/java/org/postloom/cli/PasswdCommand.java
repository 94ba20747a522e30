package org.postloom.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import org.postloom.auth.UsersFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code bin/postloom passwd FILE USER}: reads a password from standard input and adds or
 * replaces USER's line in FILE with a bcrypt hash, like {@code htpasswd}. The running relay
 * notices the change by itself.
 */
@Command(name = "passwd", mixinStandardHelpOptions = true,
        description = "Set a user's SMTP AUTH password (read from standard input) in a users file.")
final class PasswdCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "FILE")
    Path file;

    @Parameters(index = "1", paramLabel = "USER")
    String user;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        if (line == null || line.isEmpty()) {
            spec.commandLine().getErr().println("postloom passwd: no password on standard input");
            return 2;
        }
        char[] password = line.toCharArray();
        try {
            UsersFile.setPassword(file, user, password);
        } finally {
            Arrays.fill(password, '\0');
        }
        spec.commandLine().getOut().println("password set for " + user + " in " + file);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
