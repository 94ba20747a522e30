package org.postloom.config;

import java.net.InetSocketAddress;

/** Parses {@code host:port}, {@code [v6]:port} or {@code :port} (all addresses) into a socket address. */
public final class HostPort {

    private HostPort() {}

    public static InetSocketAddress parse(String text) {
        String s = text.strip();
        int colon = s.lastIndexOf(':');
        if (colon < 0) throw new IllegalArgumentException("expected host:port, got '" + text + "'");
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad port in '" + text + "'", e);
        }
        if (port < 0 || port > 65535) throw new IllegalArgumentException("bad port in '" + text + "'");
        return host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
    }
}
