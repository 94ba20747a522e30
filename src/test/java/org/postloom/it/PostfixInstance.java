package org.postloom.it;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.postloom.testing.Await;

/**
 * A private Postfix from Debian's package: its own config, queue and data directories, its own
 * loopback address, stopped cleanly. Postfix's processes run as the {@code postfix} user, so the
 * directories live under /tmp with modes that user can traverse (JUnit's temp dirs are 0700).
 */
final class PostfixInstance implements AutoCloseable {

    private static final Path POSTFIX = Path.of("/usr/sbin/postfix");

    private final Path base;
    private final Path conf;
    final String address;
    final int port;

    private PostfixInstance(Path base, String address, int port) {
        this.base = base;
        this.conf = base.resolve("etc");
        this.address = address;
        this.port = port;
    }

    /**
     * Starts Postfix's smtpd on {@code address:port}, trusting 127.0.0.0/8 to relay, with STARTTLS
     * from the given PEM files, and the given extra main.cf lines (relayhost, transport_maps...).
     */
    static PostfixInstance start(String address, int port, Path certPem, Path keyPem, String mainCfExtra)
            throws IOException, InterruptedException {
        return start(address, port, certPem, keyPem, mainCfExtra, null);
    }

    /**
     * As {@link #start(String, int, Path, Path, String)}, with {@code resolvConf} in place of
     * /etc/resolv.conf for this Postfix only (a private mount namespace, unshare from util-linux):
     * Postfix asks DNS through libc, which knows no other way to name a resolver.
     */
    static PostfixInstance start(String address, int port, Path certPem, Path keyPem, String mainCfExtra, Path resolvConf)
            throws IOException, InterruptedException {
        if (!Files.isExecutable(POSTFIX)) fail("Postfix is missing: install the Debian package postfix");
        Path base = Files.createTempDirectory(Path.of("/tmp"), "postloom-postfix-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        PostfixInstance postfix = new PostfixInstance(base, address, port);
        Path data = base.resolve("data");
        Files.createDirectories(postfix.conf);
        Files.createDirectories(base.resolve("spool"));
        Files.createDirectories(data);
        run(List.of("chown", "postfix:postfix", data.toString()));
        Files.writeString(postfix.conf.resolve("main.cf"), """
                compatibility_level = 3.6
                queue_directory = %s
                data_directory = %s
                mail_owner = postfix
                setgid_group = postdrop
                myhostname = postfix.interop.test
                mydestination =
                inet_interfaces = loopback-only
                inet_protocols = ipv4
                mynetworks = 127.0.0.0/8
                smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
                smtpd_peername_lookup = no
                smtpd_tls_cert_file = %s
                smtpd_tls_key_file = %s
                smtpd_tls_security_level = may
                smtpd_tls_received_header = yes
                smtp_tls_security_level = may
                alias_maps =
                alias_database =
                local_recipient_maps =
                biff = no
                maillog_file_prefixes = %s
                maillog_file = %s
                %s
                """.formatted(base.resolve("spool"), data, certPem, keyPem, base, base.resolve("maillog"), mainCfExtra));
        Files.writeString(postfix.conf.resolve("master.cf"), MASTER_CF.formatted(address, port));
        List<String> command = resolvConf == null ? List.of(POSTFIX.toString(), "-c", postfix.conf.toString(), "start")
                : List.of("unshare", "-m", "sh", "-c", "mount --bind \"$0\" /etc/resolv.conf && exec \"$1\" -c \"$2\" start",
                        resolvConf.toString(), POSTFIX.toString(), postfix.conf.toString());
        Path said = base.resolve("start.out");
        Process p = start(command, ProcessBuilder.Redirect.to(said.toFile()));
        if (!postfix.finished(p) || p.exitValue() != 0) {
            fail("postfix start failed: " + Files.readString(said) + "\n" + postfix.log());
        }
        postfix.awaitListening();
        return postfix;
    }

    /** Postfix's own log (maillog_file), for a failed test's report. */
    String log() {
        try {
            return Files.readString(base.resolve("maillog"));
        } catch (IOException e) {
            return "(no maillog: " + e.getMessage() + ")";
        }
    }

    private void awaitListening() throws InterruptedException {
        boolean listening = Await.within(Duration.ofSeconds(30), () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(address, port), 500);
                return true;
            } catch (IOException notYet) {
                return false;
            }
        });
        if (!listening) fail("Postfix did not listen on " + address + ":" + port + "\n" + log());
    }

    /**
     * Output to a file or discarded, never to a pipe: a pipe nobody reads could block the command,
     * and one read to its end blocks until Postfix's daemons, which inherit it, close it.
     */
    private static Process start(List<String> command, ProcessBuilder.Redirect output) throws IOException {
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output).start();
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process p = start(command, ProcessBuilder.Redirect.DISCARD);
        if (!p.waitFor(30, TimeUnit.SECONDS)) p.destroyForcibly();
    }

    /**
     * Whether a postfix command ended within 60 s. One that did not is killed with every process of
     * this instance, so that no test waits for it: Postfix's postlogd can block on its own socket
     * when the kernel's datagram queue is short (net.unix.max_dgram_qlen is 10 where no systemd
     * raised it; bin/test raises it), and then every process that logs blocks too, a stop included.
     */
    private boolean finished(Process p) throws InterruptedException {
        if (p.waitFor(60, TimeUnit.SECONDS)) return true;
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        killInstance();
        return false;
    }

    /** Every process whose working directory is in this instance's tree (Postfix's daemons run in its queue directory). */
    private void killInstance() {
        ProcessHandle.allProcesses().forEach(process -> {
            try {
                if (Files.readSymbolicLink(Path.of("/proc", Long.toString(process.pid()), "cwd")).startsWith(base)) {
                    process.destroyForcibly();
                }
            } catch (IOException | UnsupportedOperationException | SecurityException gone) {
                // exited meanwhile, or not ours to read
            }
        });
    }

    @Override
    public void close() throws IOException, InterruptedException {
        finished(start(List.of(POSTFIX.toString(), "-c", conf.toString(), "stop"), ProcessBuilder.Redirect.DISCARD));
        try (Stream<Path> all = Files.walk(base)) {
            all.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    /** Only what smtpd, the queue manager and the SMTP client need; nothing chrooted. */
    private static final String MASTER_CF = """
            %s:%d inet n - n - - smtpd
            pickup    unix  n - n 60    1 pickup
            cleanup   unix  n - n -     0 cleanup
            qmgr      unix  n - n 300   1 qmgr
            tlsmgr    unix  - - n 1000? 1 tlsmgr
            rewrite   unix  - - n -     - trivial-rewrite
            bounce    unix  - - n -     0 bounce
            defer     unix  - - n -     0 bounce
            trace     unix  - - n -     0 bounce
            verify    unix  - - n -     1 verify
            flush     unix  n - n 1000? 0 flush
            proxymap  unix  - - n -     - proxymap
            proxywrite unix - - n -     1 proxymap
            smtp      unix  - - n -     - smtp
            relay     unix  - - n -     - smtp
            showq     unix  n - n -     - showq
            error     unix  - - n -     - error
            retry     unix  - - n -     - error
            discard   unix  - - n -     - discard
            anvil     unix  - - n -     1 anvil
            scache    unix  - - n -     1 scache
            postlog   unix-dgram n - n - 1 postlogd
            """;
}
