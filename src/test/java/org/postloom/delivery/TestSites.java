package org.postloom.delivery;

import java.net.InetAddress;
import java.util.List;
import java.util.function.Function;
import org.postloom.dns.MailHost;
import org.postloom.dns.Resolution;

/** MX answers for scheduler tests whose transport never connects: each domain its own host, its own site. */
final class TestSites {

    private TestSites() {}

    static Function<String, Resolution> eachDomainItsOwnSite() {
        return domain -> new Resolution.Hosts(List.of(new MailHost("mx." + domain, 10, List.of(InetAddress.getLoopbackAddress()))));
    }
}
