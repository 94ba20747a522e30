package org.postloom.it;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command line that runs a main class in a fresh JVM: the same Java 25 and classpath as this test. */
final class JavaCommand {

    private JavaCommand() {}

    static List<String> forMain(Class<?> mainClass, String... args) {
        return forMain(mainClass.getName(), args);
    }

    static List<String> forMain(String mainClass, String... args) {
        var command = new ArrayList<String>();
        command.add(javaBinary());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(List.of(args));
        return command;
    }

    /** The binary running this test: Maven was started on JDK 25, while the machine's {@code java} is 17. */
    private static String javaBinary() {
        return ProcessHandle.current().info().command()
                .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }
}
