package org.postloom.tls;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.postloom.dns.PolicyDns;
import org.postloom.dns.SecureAnswer;
import org.xbill.DNS.TLSARecord;

/**
 * Decides, for the MX hosts of one recipient domain, what TLS each must give (the one place where
 * DANE, MTA-STS and opportunistic TLS are weighed):
 * <ol>
 * <li>DANE (RFC 7672) when the domain's MX RRset is DNSSEC-authenticated and the host has
 *     authenticated TLSA records at {@code _<port>._tcp.<host>}: TLS is mandatory and the certificate
 *     must match a usable record; a failed TLSA lookup means the host is not tried (2.2). DANE
 *     takes precedence over MTA-STS (RFC 8461 2).</li>
 * <li>MTA-STS (RFC 8461) in {@code enforce} mode: only MX hosts the policy lists, with TLS and a
 *     WebPKI certificate for their name (4.1, 4.2, 5); in {@code testing} mode the same checks are
 *     made and reported, but mail goes anyway.</li>
 * <li>Otherwise opportunistic TLS (RFC 7435).</li>
 * </ol>
 */
public final class OutboundTlsPolicy {

    /**
     * Per host of a domain, in the order given, with what TLS-RPT says about each (RFC 8460 4.4).
     */
    public record DomainTls(String domain, Map<String, HostTlsPolicy> hosts, Map<String, ReportedPolicy> reported,
                            MtaSts.Lookup mtaSts, Optional<TlsReports> reports) {
        public HostTlsPolicy forHost(String host) {
            return hosts.getOrDefault(host, HostTlsPolicy.Secured.opportunistic());
        }

        /**
         * Notes one session with {@code host} at {@code ip} for TLS-RPT. A policy that could not be
         * fetched is a failure of the session even when mail went (RFC 8460 4.3.2).
         */
        public void report(String host, InetAddress ip, TlsResult result) {
            if (reports.isEmpty()) return;
            TlsResult noted = result.failure().isEmpty() && mtaSts.policy().isEmpty() && mtaSts.fetchFailure().isPresent()
                    ? new TlsResult(result.policy(), result.cipher(), result.authenticated(), mtaSts.fetchFailure()) : result;
            reports.get().record(domain, reported.getOrDefault(host, ReportedPolicy.NONE), host, ip, noted);
        }
    }

    private final Optional<PolicyDns> dane;
    private final Optional<MtaSts> mtaSts;
    private final TrustRoots roots;
    private final int port;
    private final Optional<TlsReports> reports;

    /**
     * @param dane   the DNSSEC-aware resolver, or empty with {@code postloom.delivery.dane=false}
     * @param mtaSts the policy cache, or empty with {@code postloom.delivery.mta-sts=false}
     * @param port   the SMTP port of MX hosts, which names their TLSA records
     */
    public OutboundTlsPolicy(Optional<PolicyDns> dane, Optional<MtaSts> mtaSts, TrustRoots roots, int port) {
        this(dane, mtaSts, roots, port, Optional.empty());
    }

    /** @param reports where session outcomes go for TLS-RPT, or empty with {@code postloom.tls-rpt.enabled=false} */
    public OutboundTlsPolicy(Optional<PolicyDns> dane, Optional<MtaSts> mtaSts, TrustRoots roots, int port,
                             Optional<TlsReports> reports) {
        this.reports = reports;
        this.dane = dane;
        this.mtaSts = mtaSts;
        this.roots = roots;
        this.port = port;
    }

    /** No DANE, no MTA-STS: opportunistic TLS, and the JDK's roots for {@link #verified}. */
    public static OutboundTlsPolicy opportunisticOnly() {
        return new OutboundTlsPolicy(Optional.empty(), Optional.empty(), TrustRoots.jdkAnd(Optional.empty()), 25);
    }

    /** {@code require-verified-tls}: mandatory TLS with a WebPKI certificate for {@code host}. */
    public HostTlsPolicy verified(String host) {
        return new HostTlsPolicy.Secured(TlsPolicyKind.VERIFY, true, Optional.of(new CertificateCheck.WebPki(roots.manager(), host)), true);
    }

    /** The policy of each of {@code hosts}, the MX hosts of {@code domain}. */
    public DomainTls forDomain(String domain, List<String> hosts) {
        MtaSts.Lookup sts = mtaSts.map(m -> m.lookup(domain)).orElse(new MtaSts.Lookup(Optional.empty(), Optional.empty()));
        boolean secureMx = dane.isPresent() && dane.get().mx(domain).authenticated();
        Map<String, HostTlsPolicy> out = new LinkedHashMap<>();
        Map<String, ReportedPolicy> reported = new LinkedHashMap<>();
        for (String host : hosts) {
            Optional<HostTlsPolicy> viaDane = secureMx ? daneFor(dane.get(), host) : Optional.empty();
            HostTlsPolicy policy = viaDane.orElseGet(() -> stsFor(sts.policy(), host));
            out.put(host, policy);
            reported.put(host, switch (policy) {
                case HostTlsPolicy.Secured s when s.check().orElse(null) instanceof CertificateCheck.Dane d -> ReportedPolicy.tlsa(d.records());
                case HostTlsPolicy p when p.kind() == TlsPolicyKind.MTA_STS -> ReportedPolicy.sts(sts.policy().orElseThrow());
                default -> ReportedPolicy.NONE;
            });
        }
        return new DomainTls(domain, out, reported, sts, reports);
    }

    /** RFC 7672 2.2: empty when DANE does not apply to the host (no TLSA, or not authenticated). */
    private Optional<HostTlsPolicy> daneFor(PolicyDns dns, String host) {
        SecureAnswer answer = dns.tlsa(host, port);
        if (answer instanceof SecureAnswer.Failed failed) {
            return Optional.of(new HostTlsPolicy.Refused(TlsPolicyKind.DANE,
                    new TlsFailure(TlsFailure.Type.DNSSEC_INVALID, "TLSA lookup failed for " + host + ": " + failed.reason())));
        }
        if (!(answer instanceof SecureAnswer.Records records) || !records.authenticated() || records.records().isEmpty()) {
            return Optional.empty();
        }
        List<Tlsa> usable = records.records().stream().filter(TLSARecord.class::isInstance).map(TLSARecord.class::cast)
                .map(r -> new Tlsa(r.getCertificateUsage(), r.getSelector(), r.getMatchingType(), r.getCertificateAssociationData()))
                .filter(Tlsa::usable).toList();
        // RFC 7672 2.2: TLSA records, none usable: TLS is still mandatory, without authentication.
        if (usable.isEmpty()) return Optional.of(new HostTlsPolicy.Secured(TlsPolicyKind.DANE, true, Optional.empty(), false));
        return Optional.of(new HostTlsPolicy.Secured(TlsPolicyKind.DANE, true, Optional.of(new CertificateCheck.Dane(usable, host)), true));
    }

    private HostTlsPolicy stsFor(Optional<MtaStsPolicy> policy, String host) {
        if (policy.isEmpty() || policy.get().mode() == MtaStsPolicy.Mode.NONE) return HostTlsPolicy.Secured.opportunistic();
        boolean enforce = policy.get().mode() == MtaStsPolicy.Mode.ENFORCE;
        if (enforce && !policy.get().allows(host)) {
            return new HostTlsPolicy.Refused(TlsPolicyKind.MTA_STS, new TlsFailure(TlsFailure.Type.VALIDATION_FAILURE,
                    "MX host " + host + " is not in the MTA-STS policy (mx: " + String.join(", ", policy.get().mx()) + ")"));
        }
        var check = new CertificateCheck.WebPki(roots.manager(), host);
        return new HostTlsPolicy.Secured(TlsPolicyKind.MTA_STS, enforce, Optional.of(check), enforce);
    }
}
