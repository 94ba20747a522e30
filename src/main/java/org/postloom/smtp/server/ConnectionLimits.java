package org.postloom.smtp.server;

import java.net.InetAddress;
import java.util.List;
import org.postloom.smtp.Cidr;

/**
 * How many sessions the listeners hold: in all, and from one client address (after Postfix's
 * {@code smtpd_client_connection_count_limit}), so one client cannot take every slot.
 *
 * @param total     concurrent sessions in all
 * @param perClient concurrent sessions from one address
 * @param exempt    networks the per-client limit does not apply to (none unless configured)
 */
public record ConnectionLimits(int total, int perClient, List<Cidr> exempt) {

    public ConnectionLimits {
        exempt = List.copyOf(exempt);
        if (total < 1 || perClient < 1) throw new IllegalArgumentException("connection limits must be positive");
    }

    public static ConnectionLimits of(int total) {
        return new ConnectionLimits(total, total, List.of());
    }

    boolean isExempt(InetAddress client) {
        return exempt.stream().anyMatch(n -> n.contains(client));
    }
}
