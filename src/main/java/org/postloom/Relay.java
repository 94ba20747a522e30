package org.postloom;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.postloom.config.HostPort;
import org.postloom.config.PostloomConfig;
import org.postloom.smtp.RelayPolicy;
import org.postloom.smtp.SessionSettings;
import org.postloom.smtp.server.ConnectionSettings;
import org.postloom.smtp.server.SmtpServer;
import org.postloom.smtp.server.TlsUpgrade;
import org.postloom.spool.Spool;
import org.postloom.spool.SpoolOptions;
import org.postloom.tls.KeyMaterial;
import org.postloom.tls.ServerTls;

/**
 * The relay put together from its parts: spool first (recovery must finish before anyone is
 * told 250), then key material, then the SMTP listeners. Closing stops them in reverse order.
 */
public final class Relay implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("org.postloom");

    private final Spool spool;
    private final SmtpServer smtp;

    private Relay(Spool spool, SmtpServer smtp) {
        this.spool = spool;
        this.smtp = smtp;
    }

    public static Relay start(PostloomConfig config) throws IOException {
        String hostname = config.hostname().filter(h -> !h.isBlank()).orElseGet(Relay::machineName);
        Files.createDirectories(config.spool().dir());
        // Delivery (the outbound engine) plugs in here: it receives each message once durable,
        // and each live message found at recovery. Until then mail waits, safe, in the spool.
        Spool spool = Spool.open(config.spool().dir(), SpoolOptions.defaults(), message -> {});
        try {
            KeyMaterial keys = KeyMaterial.loadOrCreate(config.tls().cert(), config.tls().key(),
                    config.spool().dir(), hostname);
            SmtpServer smtp = new SmtpServer(listeners(config), sessionSettings(config, hostname),
                    connectionSettings(config), config.limits().connections(), spool,
                    TlsUpgrade.with(ServerTls.of(keys)), Clock.systemUTC());
            smtp.start();
            LOG.log(System.Logger.Level.INFO, "started hostname=" + hostname + " spool=" + config.spool().dir()
                    + " recovered=" + spool.messages().size());
            return new Relay(spool, smtp);
        } catch (IOException | RuntimeException e) {
            spool.close();
            throw e;
        }
    }

    public List<InetSocketAddress> smtpAddresses() {
        return smtp.boundAddresses();
    }

    private static List<SmtpServer.Listener> listeners(PostloomConfig config) {
        List<SmtpServer.Listener> out = new ArrayList<>();
        config.smtp().listen().forEach(a -> out.add(new SmtpServer.Listener(HostPort.parse(a), false)));
        config.smtp().implicitTlsListen().orElse(List.of()).stream().filter(a -> !a.isBlank())
                .forEach(a -> out.add(new SmtpServer.Listener(HostPort.parse(a), true)));
        return out;
    }

    private static SessionSettings sessionSettings(PostloomConfig config, String hostname) {
        return new SessionSettings(hostname, config.limits().messageSize(), config.limits().recipients(),
                config.limits().errors(), true,
                RelayPolicy.of(config.relay().networks(), config.relay().domains().orElse(List.of())));
    }

    private static ConnectionSettings connectionSettings(PostloomConfig config) {
        return new ConnectionSettings(config.smtp().commandTimeout(), config.smtp().dataTimeout(),
                config.smtp().handshakeTimeout(), config.limits().lineLength());
    }

    /** The machine's own name, asked once at start (never on a hot path). */
    private static String machineName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    @Override
    public void close() {
        smtp.close();
        spool.close();
        LOG.log(System.Logger.Level.INFO, "stopped");
    }
}
