package org.postloom.delivery;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Where a session's last connection landed, as typed values for events and reports (the
 * {@code via} string is for the log only): the MX host name and address it reached, the local
 * address it was bound to, and its TLS protocol.
 *
 * @param tlsProtocol {@code TLSv1.3}; null in clear text
 */
public record Landing(String mxHost, InetSocketAddress mx, InetAddress local, String tlsProtocol) {}
