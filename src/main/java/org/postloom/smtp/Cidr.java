package org.postloom.smtp;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** An IPv4 or IPv6 network such as {@code 127.0.0.0/8} or {@code ::1/128}. */
public record Cidr(byte[] network, int prefixLength) {

    /** Parses a literal network; never asks DNS (the text must be an address literal). */
    public static Cidr parse(String text) {
        String s = text.strip();
        int slash = s.indexOf('/');
        String host = slash < 0 ? s : s.substring(0, slash);
        if (!host.matches("[0-9A-Fa-f:.]+")) throw new IllegalArgumentException("not an address literal: " + text);
        byte[] address;
        try {
            address = InetAddress.getByName(host).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("bad network " + text, e);
        }
        int bits = slash < 0 ? address.length * 8 : Integer.parseInt(s.substring(slash + 1));
        if (bits < 0 || bits > address.length * 8) throw new IllegalArgumentException("bad prefix length in " + text);
        return new Cidr(address, bits);
    }

    public boolean contains(InetAddress address) {
        byte[] candidate = address.getAddress();
        if (candidate.length != network.length) return false;
        int full = prefixLength / 8;
        for (int i = 0; i < full; i++) {
            if (candidate[i] != network[i]) return false;
        }
        int rest = prefixLength % 8;
        if (rest == 0) return true;
        int mask = (0xff << (8 - rest)) & 0xff;
        return (candidate[full] & mask) == (network[full] & mask);
    }
}
