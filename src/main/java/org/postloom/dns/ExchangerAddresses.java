package org.postloom.dns;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Type;

/**
 * Finds the addresses of mail exchangers and judges what they add up to. This is the one place
 * that decides between hosts, a permanent and a temporary failure once the MX question is settled.
 */
final class ExchangerAddresses {

    private ExchangerAddresses() {}

    /** The A and AAAA answers of one exchanger. */
    private record Looked(Exchanger exchanger, Answer a, Answer aaaa) {

        List<InetAddress> addresses() {
            return Stream.of(a, aaaa)
                    .filter(Answer.Found.class::isInstance)
                    .flatMap(found -> ((Answer.Found) found).records().stream())
                    .map(r -> switch (r) {
                        case ARecord v4 -> v4.getAddress();
                        case AAAARecord v6 -> v6.getAddress();
                        default -> null;
                    })
                    .filter(Objects::nonNull)
                    .toList();
        }

        MailHost toMailHost() {
            return new MailHost(exchanger.name().toString(true), exchanger.preference(), addresses());
        }

        /** NXDOMAIN belongs to the name, so either question saying it is enough. */
        boolean noSuchName() {
            return a instanceof Answer.NoSuchName || aaaa instanceof Answer.NoSuchName;
        }

        String problem() {
            if (noSuchName()) {
                return exchanger.name() + ": NXDOMAIN";
            }
            return Stream.of(a, aaaa)
                    .filter(Answer.Failed.class::isInstance)
                    .map(failed -> exchanger.name() + ": " + ((Answer.Failed) failed).reason())
                    .findFirst()
                    .orElse(exchanger.name() + ": no A or AAAA record");
        }
    }

    /**
     * Asks every exchanger's A and AAAA at once, then keeps those with an address, in the given
     * order. No exchanger with an address is a temporary failure (a DNS change may be under way),
     * except when every exchanger is NXDOMAIN: then mail can never arrive as published, and like
     * Postfix (which bounces "Host or domain name not found") we call it {@link
     * Resolution.NoSuchDomain}.
     */
    static Resolution resolve(List<Exchanger> exchangers, DnsQuestions dns, long deadlineNanos) {
        List<CompletableFuture<Answer>> pending = new ArrayList<>();
        for (Exchanger e : exchangers) {
            pending.add(dns.ask(e.name(), Type.A));
            pending.add(dns.ask(e.name(), Type.AAAA));
        }
        List<Looked> looked = new ArrayList<>();
        for (int i = 0; i < exchangers.size(); i++) {
            looked.add(new Looked(exchangers.get(i),
                    dns.await(pending.get(2 * i), deadlineNanos),
                    dns.await(pending.get(2 * i + 1), deadlineNanos)));
        }
        List<MailHost> hosts = looked.stream()
                .filter(l -> !l.addresses().isEmpty())
                .map(Looked::toMailHost)
                .toList();
        if (!hosts.isEmpty()) {
            return new Resolution.Hosts(hosts);
        }
        if (looked.stream().allMatch(Looked::noSuchName)) {
            return new Resolution.NoSuchDomain();
        }
        return new Resolution.TemporaryFailure("no mail host has an address: "
                + String.join("; ", looked.stream().map(Looked::problem).toList()));
    }
}
