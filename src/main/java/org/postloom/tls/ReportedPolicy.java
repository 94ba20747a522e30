package org.postloom.tls;

import java.util.List;

/**
 * The policy a TLS-RPT report speaks of (RFC 8460 4.4, "policy"): its type ({@code tlsa},
 * {@code sts}, {@code no-policy-found}), its text as lines, and for MTA-STS the {@code mx} patterns.
 */
public record ReportedPolicy(String type, List<String> strings, List<String> mxHosts) {

    public ReportedPolicy {
        strings = List.copyOf(strings);
        mxHosts = List.copyOf(mxHosts);
    }

    static final ReportedPolicy NONE = new ReportedPolicy("no-policy-found", List.of(), List.of());

    static ReportedPolicy sts(MtaStsPolicy policy) {
        return new ReportedPolicy("sts", policy.text().lines().filter(l -> !l.isBlank()).toList(), policy.mx());
    }

    static ReportedPolicy tlsa(List<Tlsa> records) {
        return new ReportedPolicy("tlsa", records.stream().map(Tlsa::toString).toList(), List.of());
    }
}
