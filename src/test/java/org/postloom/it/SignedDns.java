package org.postloom.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * Real DNSSEC on loopback: NSD (Debian package nsd) serves a zone signed with ldns-signzone
 * (ldnsutils) and an unsigned one; Unbound (unbound) validates, with the signed zone's DS as its
 * trust anchor, on port 53 of its own address (so that Postfix, which only knows resolv.conf, can
 * use it too). One record's signature can be spoilt to make its answers bogus (SERVFAIL).
 */
final class SignedDns implements AutoCloseable {

    private static final Duration STEP = Duration.ofSeconds(30);
    final InetSocketAddress resolver;
    private final List<Process> daemons = new ArrayList<>();
    private final Path dir;

    private SignedDns(Path dir, InetSocketAddress resolver) {
        this.dir = dir;
        this.resolver = resolver;
    }

    /**
     * @param signedZone   zone name and its records (relative owners, one per line), DNSSEC-signed
     * @param plainZone    another zone, unsigned (insecure)
     * @param bogusOwner   an owner in the signed zone whose TLSA RRSIG is corrupted after signing
     */
    static SignedDns start(Path dir, String authority, String recursive, String signedZone, String signedRecords,
                           String plainZone, String plainRecords, String bogusOwner) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        ExternalTool nsd = ExternalTool.require("nsd", "nsd");
        ExternalTool unbound = ExternalTool.require("unbound", "unbound");
        ExternalTool keygen = ExternalTool.require("ldns-keygen", "ldnsutils");
        ExternalTool signzone = ExternalTool.require("ldns-signzone", "ldnsutils");
        writeZone(dir.resolve(signedZone + ".zone"), signedZone, authority, signedRecords);
        writeZone(dir.resolve(plainZone + ".zone"), plainZone, authority, plainRecords);
        String ksk = inDir(dir, keygen, "-a", "ECDSAP256SHA256", "-k", signedZone);
        String zsk = inDir(dir, keygen, "-a", "ECDSAP256SHA256", signedZone);
        inDir(dir, signzone, signedZone + ".zone", ksk, zsk);
        spoil(dir.resolve(signedZone + ".zone.signed"), bogusOwner + "." + signedZone + ".");
        SignedDns dns = new SignedDns(dir, new InetSocketAddress(recursive, 53));
        try {
            Files.writeString(dir.resolve("nsd.conf"), NSD_CONF.formatted(authority, dir, dir, dir, dir, dir, dir,
                    signedZone, signedZone + ".zone.signed", plainZone, plainZone + ".zone"));
            dns.daemons.add(daemon(dir, "nsd", nsd, "-d", "-c", dir.resolve("nsd.conf").toString()));
            Files.writeString(dir.resolve("unbound.conf"), UNBOUND_CONF.formatted(recursive, dir, dir,
                    dir.resolve(ksk + ".ds"), plainZone, signedZone, authority, plainZone, authority));
            dns.daemons.add(daemon(dir, "unbound", unbound, "-d", "-c", dir.resolve("unbound.conf").toString()));
            dns.awaitValidated("ns." + signedZone);
            return dns;
        } catch (IOException | InterruptedException | RuntimeException | AssertionError e) {
            dns.close();
            throw e;
        }
    }

    private static void writeZone(Path file, String zone, String authority, String records) throws IOException {
        Files.writeString(file, "$ORIGIN " + zone + ".\n$TTL 300\n"
                + "@ IN SOA ns." + zone + ". hostmaster." + zone + ". 1 3600 600 86400 60\n"
                + "@ IN NS ns." + zone + ".\nns IN A " + authority + "\n" + records + "\n");
    }

    /** Flips characters in the middle of the signature of the TLSA RRset at {@code owner}. */
    private static void spoil(Path signed, String owner) throws IOException {
        String zone = Files.readString(signed);
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(owner) + "\\s+\\d+\\s+IN\\s+RRSIG\\s+TLSA\\s.*$").matcher(zone);
        assertThat(m.find()).as("an RRSIG TLSA line for " + owner + " in " + signed).isTrue();
        String line = m.group();
        int at = line.length() - 20;
        char c = line.charAt(at);
        String spoilt = line.substring(0, at) + (c == 'A' ? 'B' : 'A') + line.substring(at + 1);
        Files.writeString(signed, zone.replace(line, spoilt));
    }

    private static String inDir(Path dir, ExternalTool tool, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(tool.binary().toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        if (!p.waitFor(STEP.toSeconds(), TimeUnit.SECONDS) || p.exitValue() != 0) fail(command + " failed: " + out);
        return out;
    }

    private static Process daemon(Path dir, String name, ExternalTool tool, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(tool.binary().toString()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".out").toFile()).start();
    }

    /** Waits until Unbound answers with the AD bit (both daemons up, the chain of trust sound). */
    private void awaitValidated(String host) throws IOException, InterruptedException {
        SimpleResolver r = new SimpleResolver(resolver);
        r.setEDNS(0, 1232, ExtendedFlags.DO, List.of());
        r.setTimeout(Duration.ofSeconds(1));
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            for (Process p : daemons) {
                if (!p.isAlive()) fail("a DNS daemon exited: " + log());
            }
            try {
                Message q = Message.newQuery(Record.newRecord(Name.fromString(host + "."), Type.A, DClass.IN));
                q.getHeader().setFlag(Flags.AD);
                Message answer = r.send(q);
                if (answer.getHeader().getFlag(Flags.AD)) return;
                last = answer.toString();
            } catch (IOException notYet) {
                last = notYet.toString();
            }
            Thread.sleep(100);
        }
        fail("Unbound gave no validated answer for " + host + ": " + last + "\n" + log());
    }

    String log() {
        StringBuilder out = new StringBuilder();
        for (String f : List.of("nsd.out", "nsd.log", "unbound.out")) {
            try {
                out.append("--- ").append(f).append('\n').append(Files.readString(dir.resolve(f)));
            } catch (IOException e) {
                out.append("--- ").append(f).append(": ").append(e.getMessage()).append('\n');
            }
        }
        return out.toString();
    }

    @Override
    public void close() throws InterruptedException {
        for (Process p : daemons) {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly().waitFor();
        }
    }

    private static final String NSD_CONF = """
            server:
              ip-address: %s
              port: 53
              username: ""
              chroot: ""
              zonesdir: "%s"
              database: ""
              zonelistfile: "%s/zone.list"
              xfrdfile: "%s/xfrd.state"
              xfrdir: "%s"
              pidfile: "%s/nsd.pid"
              logfile: "%s/nsd.log"
              server-count: 1
            remote-control:
              control-enable: no
            zone:
              name: %s
              zonefile: %s
            zone:
              name: %s
              zonefile: %s
            """;

    /** No root trust anchor: only the signed zone's DS anchors trust, everything else is insecure. */
    private static final String UNBOUND_CONF = """
            server:
              interface: %s
              port: 53
              username: ""
              chroot: ""
              directory: "%s"
              pidfile: "%s/unbound.pid"
              logfile: ""
              use-syslog: no
              verbosity: 1
              num-threads: 1
              so-reuseport: no
              do-not-query-localhost: no
              access-control: 127.0.0.0/8 allow
              local-zone: "test." nodefault
              module-config: "validator iterator"
              trust-anchor-file: "%s"
              domain-insecure: "%s"
              cache-max-ttl: 5
              cache-max-negative-ttl: 5
            stub-zone:
              name: "%s."
              stub-addr: %s@53
            stub-zone:
              name: "%s."
              stub-addr: %s@53
            remote-control:
              control-enable: no
            """;
}
