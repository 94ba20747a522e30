package org.postloom.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every setting, under the prefix {@code postloom.} (README's settings table; docs/architecture.md). An
 * environment variable overrides a property by SmallRye's mapping: {@code postloom.smtp.port}
 * becomes {@code POSTLOOM_SMTP_PORT}.
 */
@ConfigMapping(prefix = "postloom")
public interface PostloomConfig {

    /** Name in the greeting, EHLO and Received; empty means the machine's name. */
    Optional<String> hostname();

    Smtp smtp();

    Admin admin();

    Spool spool();

    Relay relay();

    Tls tls();

    Dns dns();

    Delivery delivery();

    /** Static next hops: {@code postloom.routes."example.com"=host:port}; {@code "*"} is a smarthost. */
    Map<String, String> routes();

    Limits limits();

    @WithName("tls-rpt")
    TlsRpt tlsRpt();

    /** SMTP TLS Reporting (RFC 8460): daily reports to the domains' {@code _smtp._tls} addresses. */
    interface TlsRpt {
        @WithDefault("false")
        boolean enabled();

        /** The reporting period. */
        @WithDefault("P1D")
        Duration interval();

        /** {@code organization-name}; empty means {@code postloom.hostname}. */
        Optional<String> organization();

        /** {@code contact-info}; empty means {@code postmaster@<hostname>}. */
        Optional<String> contact();
    }

    Auth auth();

    /** Limits per egress path and reply rules (CONTRACT.md section 2). */
    Shaping shaping();

    /** Egress sources and pools (CONTRACT.md section 2). */
    Egress egress();

    /** Several nodes sharing shaping limits through Redis (CONTRACT.md section 7). */
    Cluster cluster();

    interface Cluster {
        /** {@code redis://host:port}; empty = one node, limits kept in memory. */
        Optional<String> redis();

        /** This node's name; {@code postloom.hostname} when empty. */
        Optional<String> node();

        /** A crashed node's connection leases expire after this. */
        @WithName("lease-ttl")
        @WithDefault("PT30S")
        Duration leaseTtl();

        /** Nodes expected: while Redis is away each node applies limit / size alone. */
        @WithDefault("1")
        int size();
    }

    interface Shaping {
        /** Limits of every egress path, unless a {@link #sites()} entry says otherwise. */
        @WithName("default")
        DefaultLimits defaults();

        /** By {@code "<domain>"} (that domain's site) or {@code ".<suffix>"} of the site's MX host names. */
        Map<String, SiteLimits> sites();

        /** Reply rules, in order: {@code postloom.shaping.rules[0].reply=...}. */
        Optional<List<Rule>> rules();

        interface DefaultLimits {
            @WithName("max-connections")
            @WithDefault("20")
            int maxConnections();

            @WithName("max-messages-per-connection")
            @WithDefault("100")
            int maxMessagesPerConnection();

            /** {@code N/s}, {@code N/min} or {@code N/h}; empty = no cap. */
            @WithName("max-message-rate")
            Optional<String> maxMessageRate();

            @WithName("max-connection-rate")
            Optional<String> maxConnectionRate();
        }

        interface SiteLimits {
            @WithName("max-connections")
            Optional<Integer> maxConnections();

            @WithName("max-messages-per-connection")
            Optional<Integer> maxMessagesPerConnection();

            @WithName("max-message-rate")
            Optional<String> maxMessageRate();

            @WithName("max-connection-rate")
            Optional<String> maxConnectionRate();
        }

        interface Rule {
            /** {@code *}, a domain, or {@code .suffix} of MX host names. */
            @WithDefault("*")
            String match();

            /** Java regex searched in the remote reply (code and text, lines joined by a space). */
            String reply();

            /** {@code suspend} or {@code throttle}. */
            String action();

            @WithDefault("PT1H")
            Duration duration();

            /** The path's rate while a throttle holds. */
            @WithName("max-message-rate")
            Optional<String> maxMessageRate();

            /** The path's connections at most while a throttle holds; empty = its usual maximum. */
            @WithName("max-connections")
            Optional<Integer> maxConnections();
        }
    }

    interface Egress {
        Map<String, Source> sources();

        /** Weighted members: {@code s1:3,s2:1}. */
        Map<String, String> pools();

        /** Pool of mail no other rule assigns; empty = no bind, EHLO {@code postloom.hostname}. */
        @WithName("default-pool")
        Optional<String> defaultPool();

        /** Pool by envelope sender domain. */
        @WithName("sender-domains")
        Map<String, String> senderDomains();

        interface Source {
            /** Local IP address outbound connections bind to. */
            String address();

            /** EHLO name; {@code postloom.hostname} when empty. */
            Optional<String> ehlo();

            /** Cap over all sites (IP warm-up). */
            @WithName("max-message-rate")
            Optional<String> maxMessageRate();
        }
    }

    Events events();

    Suppression suppression();

    /** Delivery events (CONTRACT.md section 3): a JSON Lines file, a webhook, Kafka; each empty = off. */
    interface Events {
        /** JSON Lines file, one event per line. */
        Optional<String> file();

        /** Bytes after which the events file is rotated to {@code FILE.1}. */
        @WithName("file-max-size")
        @WithDefault("67108864")
        long fileMaxSize();

        /** Rotated events files kept. */
        @WithName("file-keep")
        @WithDefault("5")
        int fileKeep();

        Webhook webhook();

        Kafka kafka();

        /** Message header fields copied into every event of that message. */
        Optional<List<String>> headers();

        /** Operator rules ({@code <class> TAB <regex>} lines) tried before the built-in bounce table. */
        @WithName("bounce-classes-file")
        Optional<String> bounceClassesFile();

        /** Longest wait between two tries of a batch a sink refused. */
        @WithName("max-backoff")
        @WithDefault("PT30S")
        Duration maxBackoff();

        interface Webhook {
            Optional<String> url();

            /** HMAC-SHA256 key of the {@code X-Postloom-Signature} header; empty = unsigned. */
            Optional<String> secret();

            @WithName("batch-size")
            @WithDefault("100")
            int batchSize();

            /** Time for one POST (connect and answer) before it counts as failed. */
            @WithDefault("PT10S")
            Duration timeout();
        }

        interface Kafka {
            @WithName("bootstrap-servers")
            Optional<String> bootstrapServers();

            @WithDefault("postloom-events")
            Optional<String> topic();
        }
    }

    interface Suppression {
        /** Suppress recipients that bounced with a class in {@link #classes()}. */
        @WithDefault("false")
        boolean enabled();

        @WithDefault("invalid-recipient")
        List<String> classes();
    }

    /** Tenants of POST /messages and of SMTP AUTH users: {@code postloom.tenants."acme".token} (CONTRACT.md 4). */
    Map<String, Tenant> tenants();

    interface Tenant {
        /** Bearer token for POST /messages; none means the tenant sends only through its SMTP users. */
        Optional<String> token();

        /** Egress pool of the tenant's mail; empty for the default pool. */
        Optional<String> pool();

        /** Messages (one per recipient) per time, {@code N/s}, {@code N/min} or {@code N/h}; none = no cap. */
        @WithName("max-message-rate")
        Optional<String> maxMessageRate();

        /** Envelope sender domains the tenant may use; empty = any. */
        @WithName("sender-domains")
        Optional<List<String>> senderDomains();

        /** SMTP AUTH users whose mail is this tenant's. */
        @WithName("smtp-users")
        Optional<List<String>> smtpUsers();
    }

    interface Auth {
        /** Users and bcrypt hashes for SMTP AUTH (see {@code bin/postloom passwd}); empty = AUTH off. */
        @WithName("users-file")
        Optional<Path> usersFile();
    }

    /**
     * DKIM private keys (PEM): {@code postloom.dkim."example.com"."sel2025"=/etc/postloom/dkim/rsa.pem}
     * signs mail whose From domain is example.com under selector sel2025; two selectors sign twice.
     */
    Map<String, Map<String, String>> dkim();

    /** {@code header/body} canonicalization of DKIM signatures (RFC 6376 3.4). */
    @WithName("dkim-canonicalization")
    @WithDefault("relaxed/relaxed")
    String dkimCanonicalization();

    /** Whether mail from a subdomain without keys is signed with the keys of a parent domain. */
    @WithName("dkim-parent-domains")
    @WithDefault("false")
    boolean dkimParentDomains();

    /** Header fields to sign when present; empty means the built-in list (From is always signed). */
    @WithName("dkim-headers")
    Optional<List<String>> dkimHeaders();

    interface Smtp {
        /** Inbound SMTP addresses, {@code host:port}, comma separated. */
        @WithDefault("127.0.0.1:2525")
        List<String> listen();

        /** SMTPS (RFC 8314) addresses; none by default. */
        @WithName("implicit-tls-listen")
        Optional<List<String>> implicitTlsListen();

        /** RFC 5321 4.5.3.2.7: the server waits at least 5 minutes for a command. */
        @WithName("command-timeout")
        @WithDefault("PT5M")
        Duration commandTimeout();

        /** Time for a whole DATA body or BDAT chunk. */
        @WithName("data-timeout")
        @WithDefault("PT10M")
        Duration dataTimeout();

        @WithName("handshake-timeout")
        @WithDefault("PT30S")
        Duration handshakeTimeout();
    }

    interface Admin {
        @WithDefault("127.0.0.1:8025")
        String listen();

        /** Bearer token for the admin API; required when it listens beyond loopback. */
        Optional<String> token();
    }

    /** How long a graceful stop waits for sessions and couriers to finish their transactions. */
    @WithName("shutdown-grace")
    @WithDefault("PT30S")
    Duration shutdownGrace();

    interface Spool {
        @WithDefault("./data/spool")
        Path dir();

        /** Free bytes the spool's file system must keep; below it new mail gets 452 4.3.1. */
        @WithName("min-free-space")
        @WithDefault("268435456")
        long minFreeSpace();

        /** Bytes after which a segment file is closed and a new one begun; the unit of reclaiming space. */
        @WithName("segment-size")
        @WithDefault("67108864")
        long segmentSize();

        /** Bytes per second the compactor may rewrite at most, so that new mail keeps the disk. */
        @WithName("compaction-bandwidth")
        @WithDefault("33554432")
        long compactionBandwidth();
        /** Bytes of one body held in memory while it arrives; beyond them it spills to a temporary file. */
        @WithName("memory-threshold")
        @WithDefault("131072")
        int memoryThreshold();
    }

    interface Relay {
        /** Clients in these networks may relay to any domain. */
        @WithDefault("127.0.0.0/8,::1/128")
        List<String> networks();

        /** Domains accepted from anyone. */
        Optional<List<String>> domains();
    }

    interface Tls {
        /** PEM certificate chain; with {@link #key()} empty, a self-signed one is made and kept in the spool. */
        Optional<Path> cert();

        Optional<Path> key();

        /** PEM CA certificates trusted besides the JDK's: MTA-STS fetches and MX certificates, TLS-RPT https. */
        @WithName("trust-ca")
        Optional<Path> trustCa();
    }

    interface Dns {
        /** Resolvers as host[:port]; empty means the system's. */
        Optional<List<String>> servers();

        /** Time allowed for one MX resolution with its address lookups; then the mail is deferred. */
        @WithDefault("PT10S")
        Duration timeout();
    }

    interface Delivery {
        /** TCP port used for MX hosts. */
        @WithDefault("25")
        int port();

        /** Outbound connections at once, all destinations together. */
        @WithName("max-connections")
        @WithDefault("1000")
        int maxConnections();

        /** How long mail may wait in the queue before it bounces. */
        @WithName("max-queue-lifetime")
        @WithDefault("P5D")
        Duration maxQueueLifetime();

        @WithName("min-backoff")
        @WithDefault("PT1M")
        Duration minBackoff();

        @WithName("max-backoff")
        @WithDefault("PT1H")
        Duration maxBackoff();

        @WithName("connect-timeout")
        @WithDefault("PT30S")
        Duration connectTimeout();

        /** Domains whose MX must offer TLS with a certificate valid for its name (else mail waits). */
        @WithName("require-verified-tls")
        Optional<List<String>> requireVerifiedTls();

        /** Send RFC 3464 bounce messages to the sender (off for senders who consume events instead). */
        @WithName("bounce-messages")
        @WithDefault("true")
        boolean bounceMessages();

        /** Apply MTA-STS policies of recipient domains (RFC 8461). */
        @WithName("mta-sts")
        @WithDefault("true")
        boolean mtaSts();

        /** How often cached MTA-STS policies are checked and fetched again before they expire (RFC 8461 10.2). */
        @WithName("mta-sts-refresh")
        @WithDefault("PT1H")
        Duration mtaStsRefresh();

        /** Apply DANE (RFC 7672) when the resolver validates DNSSEC (AD bit). */
        @WithDefault("true")
        boolean dane();

        /** A recipient deferred this long gets a DELAY report (RFC 3461), once; PT0S = never. */
        @WithName("delay-warning")
        @WithDefault("PT4H")
        Duration delayWarning();
    }

    interface Limits {
        /** Bytes, advertised in SIZE (RFC 1870). */
        @WithName("message-size")
        @WithDefault("52428800")
        long messageSize();

        /** Recipients per transaction. */
        @WithDefault("1000")
        int recipients();

        /** Concurrent inbound sessions. */
        @WithDefault("20000")
        int connections();

        /** Concurrent inbound sessions from one client address (Postfix's smtpd_client_connection_count_limit). */
        @WithName("client-connections")
        @WithDefault("1000")
        int clientConnections();

        /** Networks the per-client limit does not apply to; none unless configured. */
        @WithName("client-connections-exempt")
        Optional<List<String>> clientConnectionsExempt();

        /**
         * Messages in the queue before new mail is refused with 452 4.3.1: the bound on the
         * working set, so a stuck queue slows senders down instead of growing without end.
         */
        @WithDefault("10000000")
        int queue();

        /** Hard errors before a client is cut off. */
        @WithDefault("10")
        int errors();

        /** Octets in one line of message data, CRLF excluded (RFC 5322 asks for 998 at most). */
        @WithName("line-length")
        @WithDefault("65536")
        int lineLength();
    }
}
