package org.postloom.it;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command line that runs a main class in a fresh JVM: the same Java 25 and classpath as this test. */
final class JavaCommand {

    /**
     * The flags of every child JVM a test starts (a relay, a sink, a Kafka broker) unless it asks
     * for others: each lives seconds to a minute, so C2's compilations would cost more CPU than
     * they save, and on this two-core machine the suite is CPU-bound (C1 only and the serial
     * collector cut the CPU of SwaksIT plus CrashAndShutdownIT from 87 to 61 s).
     */
    static final List<String> SHORT_LIVED = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    private JavaCommand() {}

    static List<String> forMain(Class<?> mainClass, String... args) {
        return forMain(mainClass.getName(), args);
    }

    static List<String> forMain(String mainClass, String... args) {
        return java(SHORT_LIVED, List.of("-cp", System.getProperty("java.class.path"), mainClass), args);
    }

    /**
     * The relay from its packaged jar ({@code target/postloom.jar}, built before the integration
     * tests run), with a class-data archive of its own: class data can only be archived from jars,
     * not from {@code target/classes}, and a relay test starts dozens of relays, each of which
     * then maps the classes it needs instead of loading and verifying them again. The first relay
     * to exit cleanly writes the archive; until then, and whenever the jar changes, relays start
     * without one.
     */
    static List<String> forRelay(List<String> jvmFlags, String... args) {
        Path target = Path.of(System.getProperty("user.dir"), "target");
        return java(jvmFlags, List.of("-XX:SharedArchiveFile=" + target.resolve("it-relay.jsa"), "-XX:+AutoCreateSharedArchive",
                "-Xlog:cds=off", "-Xlog:cds+dynamic=off", "-jar", target.resolve("postloom.jar").toString()), args);
    }

    private static List<String> java(List<String> jvmFlags, List<String> launch, String... args) {
        var command = new ArrayList<String>();
        command.add(javaBinary());
        command.addAll(jvmFlags);
        command.addAll(launch);
        command.addAll(List.of(args));
        return command;
    }

    /** The binary running this test: Maven was started on JDK 25, while the machine's {@code java} is 17. */
    private static String javaBinary() {
        return ProcessHandle.current().info().command()
                .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }
}
