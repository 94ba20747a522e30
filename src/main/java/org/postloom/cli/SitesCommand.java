package org.postloom.cli;

import com.fasterxml.jackson.databind.JsonNode;
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
 * {@code bin/postloom sites}: the sites (MX host sets) the relay delivers to, each egress path's
 * connections, ready mail, suspension and throttle; {@code suspend} and {@code resume} one.
 */
@Command(name = "sites", mixinStandardHelpOptions = true, description = "Show and control delivery sites and their egress paths.",
        subcommands = {SitesCommand.Suspend.class, SitesCommand.Resume.class})
final class SitesCommand implements Callable<Integer> {

    @Mixin
    AdminOptions adminOptions;

    @Spec
    CommandSpec spec;

    AdminApi api() {
        return adminOptions.api();
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%-40s %-12s %5s %6s %-20s %-20s %s%n", "Site", "Source", "Conns", "Ready", "Suspended until",
                "Throttled until", "Domains");
        for (JsonNode site : api().call("GET", "/sites")) {
            StringBuilder domains = new StringBuilder();
            site.get("domains").forEach(d -> domains.append(domains.isEmpty() ? "" : ",").append(d.asText()));
            for (JsonNode p : site.get("paths")) {
                out.printf("%-40s %-12s %5d %6d %-20s %-20s %s%n", site.get("site").asText(),
                        p.get("source").asText().isEmpty() ? "-" : p.get("source").asText(), p.get("connections").asInt(),
                        p.get("ready").asInt(), QueueCommand.shortTime(p.get("suspended_until")),
                        QueueCommand.shortTime(p.get("throttled_until")), domains);
            }
        }
        out.flush();
        return 0;
    }

    private void say(String line) {
        spec.commandLine().getOut().println(line);
        spec.commandLine().getOut().flush();
    }

    /** An order about one site: {@code POST /sites/{site}/{order}}. */
    abstract static class SiteOrder implements Callable<Integer> {
        @ParentCommand
        SitesCommand sites;

        @Parameters(paramLabel = "SITE|DOMAIN")
        String site;

        /** The order and its query, e.g. {@code resume}. */
        abstract String order();

        abstract String done(JsonNode answer);

        @Override
        public Integer call() throws Exception {
            sites.say(done(sites.api().call("POST", "/sites/" + AdminApi.enc(site) + "/" + order())));
            return 0;
        }
    }

    @Command(name = "suspend", mixinStandardHelpOptions = true, description = "Hold a site's mail for a while.")
    static final class Suspend extends SiteOrder {
        @Option(names = "--for", required = true, description = "ISO-8601 duration, e.g. PT10M")
        String duration;

        @Override
        String order() {
            return "suspend?for=" + AdminApi.enc(duration);
        }

        @Override
        String done(JsonNode answer) {
            return "suspended " + answer.get("site").asText() + " until " + QueueCommand.shortTime(answer.get("until"));
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true, description = "Release a site's mail now.")
    static final class Resume extends SiteOrder {
        @Override
        String order() {
            return "resume";
        }

        @Override
        String done(JsonNode answer) {
            return "resumed " + site;
        }
    }
}
