package org.postloom.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code bin/postloom queue}: the operator's view of the queue through the admin API (after
 * Postfix's {@code postqueue -p}, {@code postqueue -f} and {@code postsuper -d}).
 */
@Command(name = "queue", mixinStandardHelpOptions = true, description = "Inspect and control the running relay's queue.",
        subcommands = {QueueCommand.ListCommand.class, QueueCommand.Show.class, QueueCommand.Flush.class,
                QueueCommand.Suspend.class, QueueCommand.Resume.class, QueueCommand.Delete.class})
final class QueueCommand implements Callable<Integer> {

    @Mixin
    AdminOptions adminOptions;

    @Spec
    CommandSpec spec;

    /** With no subcommand: the summary by destination. */
    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        JsonNode destinations = call("GET", "/queue");
        out.printf("%-32s %8s %8s %5s %-9s %-20s %s%n", "Destination", "Messages", "Rcpts", "Conns", "State", "Oldest", "Last error");
        for (JsonNode d : destinations) {
            out.printf("%-32s %8d %8d %5d %-9s %-20s %s%n", d.get("destination").asText(), d.get("messages").asInt(),
                    d.get("recipients").asInt(), d.get("connections").asInt(),
                    d.get("suspended").asBoolean() ? "suspended" : "active", shortTime(d.get("oldest")),
                    d.get("lastError").isNull() ? "" : d.get("lastError").asText());
        }
        out.flush();
        return 0;
    }

    JsonNode call(String method, String path) throws IOException, InterruptedException {
        return adminOptions.api().call(method, path);
    }

    void say(String line) {
        spec.commandLine().getOut().println(line);
        spec.commandLine().getOut().flush();
    }

    static String enc(String s) {
        return AdminApi.enc(s);
    }

    static String shortTime(JsonNode instant) {
        return instant == null || instant.isNull() ? "" : instant.asText().replaceAll("\\.\\d+Z$", "Z");
    }

    /** Every queued message, by destination, like {@code postqueue -p}. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "List queued messages, by destination.")
    static final class ListCommand implements Callable<Integer> {
        @ParentCommand
        QueueCommand queue;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = queue.spec.commandLine().getOut();
            int total = 0;
            out.printf("%-16s %9s %-20s %s%n", "-Queue ID-", "--Size--", "----Arrival Time----", "-Sender/Recipient-------");
            for (JsonNode d : queue.call("GET", "/queue")) {
                for (JsonNode m : queue.call("GET", "/queue/" + enc(d.get("destination").asText()))) {
                    total++;
                    out.printf("%-16s %9d %-20s %s%n", m.get("id").asText(), m.get("size").asLong(),
                            shortTime(m.get("arrival")), m.get("sender").asText().isEmpty() ? "MAILER-DAEMON" : m.get("sender").asText());
                    for (JsonNode r : m.get("recipients")) out.printf("%47s %s%n", "", r.asText());
                    out.printf("%47s (next attempt %s via %s)%n", "", shortTime(m.get("due")), d.get("destination").asText());
                }
            }
            out.printf("-- %d message%s in the queue.%n", total, total == 1 ? "" : "s");
            out.flush();
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "One message's envelope and recipients.")
    static final class Show implements Callable<Integer> {
        @ParentCommand
        QueueCommand queue;

        @Parameters(paramLabel = "ID")
        String id;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = queue.spec.commandLine().getOut();
            JsonNode m = queue.call("GET", "/messages/" + enc(id));
            out.printf("id: %s%nfrom: <%s>%narrival: %s%nclient: %s%ntls: %s%nsize: %d%n", m.get("id").asText(),
                    m.get("sender").asText(), shortTime(m.get("arrival")), m.get("client").asText(), m.get("tls").asText(),
                    m.get("size").asLong());
            for (JsonNode r : m.get("recipients")) {
                out.printf("  <%s> %s%s%s%n", r.get("address").asText(), r.get("state").asText(),
                        r.get("nextAttempt").isNull() ? "" : " next=" + shortTime(r.get("nextAttempt")),
                        r.get("reply").isNull() ? "" : " reply=\"" + r.get("reply").asText() + "\"");
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "flush", mixinStandardHelpOptions = true,
            description = "Retry deferred mail now: all, one destination, or one message (--id).")
    static final class Flush implements Callable<Integer> {
        @ParentCommand
        QueueCommand queue;

        @Parameters(paramLabel = "DESTINATION", arity = "0..1")
        String destination;

        @Option(names = "--id", description = "one message")
        String id;

        @Override
        public Integer call() throws Exception {
            String path = id != null ? "/messages/" + enc(id) + "/retry"
                    : destination != null ? "/queue/" + enc(destination) + "/retry" : "/queue/retry";
            int count = queue.call("POST", path).get("count").asInt();
            queue.say(count + " item" + (count == 1 ? "" : "s") + " set to retry now");
            return 0;
        }
    }

    /** An order about one destination: {@code POST /queue/{destination}/{order}}. */
    abstract static class DestinationOrder implements Callable<Integer> {
        @ParentCommand
        QueueCommand queue;

        @Parameters(paramLabel = "DESTINATION")
        String destination;

        abstract String order();

        @Override
        public Integer call() throws Exception {
            queue.call("POST", "/queue/" + enc(destination) + "/" + order());
            queue.say(order() + (order().endsWith("e") ? "d " : "ed ") + destination);
            return 0;
        }
    }

    @Command(name = "suspend", mixinStandardHelpOptions = true, description = "Hold a destination's mail.")
    static final class Suspend extends DestinationOrder {
        @Override
        String order() {
            return "suspend";
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true, description = "Release a suspended destination.")
    static final class Resume extends DestinationOrder {
        @Override
        String order() {
            return "resume";
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Remove a message (like postsuper -d).")
    static final class Delete implements Callable<Integer> {
        @ParentCommand
        QueueCommand queue;

        @Parameters(paramLabel = "ID")
        String id;

        @Option(names = "--bounce", description = "tell the sender, with a DSN")
        boolean bounce;

        @Override
        public Integer call() throws Exception {
            queue.call("DELETE", "/messages/" + enc(id) + "?bounce=" + bounce);
            queue.say("deleted " + id + (bounce ? " (bounced)" : ""));
            return 0;
        }
    }
}
