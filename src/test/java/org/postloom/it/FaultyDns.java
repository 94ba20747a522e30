package org.postloom.it;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * A DNS server on 127.0.0.1 that passes queries on to a real one (dnsmasq), except that the first
 * MX queries for chosen names are dropped (the resolver times out) or answered SERVFAIL.
 */
final class FaultyDns implements AutoCloseable {

    private final DatagramSocket socket;
    private final InetSocketAddress upstream;
    private final Map<String, AtomicInteger> dropFirst = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> servfailFirst = new ConcurrentHashMap<>();
    final AtomicInteger dropped = new AtomicInteger();
    final AtomicInteger servfails = new AtomicInteger();

    private FaultyDns(DatagramSocket socket, InetSocketAddress upstream) {
        this.socket = socket;
        this.upstream = upstream;
        Thread.ofVirtual().name("faulty-dns").start(this::serve);
    }

    static FaultyDns inFrontOf(InetSocketAddress upstream) throws SocketException {
        return new FaultyDns(new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)), upstream);
    }

    FaultyDns dropFirstMxQueries(String domain, int count) {
        dropFirst.put(key(domain), new AtomicInteger(count));
        return this;
    }

    FaultyDns servfailFirstMxQueries(String domain, int count) {
        servfailFirst.put(key(domain), new AtomicInteger(count));
        return this;
    }

    String address() {
        return "127.0.0.1:" + socket.getLocalPort();
    }

    private void serve() {
        byte[] buffer = new byte[4096];
        while (!socket.isClosed()) {
            try {
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                socket.receive(packet);
                byte[] query = Arrays.copyOf(packet.getData(), packet.getLength());
                InetSocketAddress client = (InetSocketAddress) packet.getSocketAddress();
                Thread.ofVirtual().start(() -> answer(query, client));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void answer(byte[] query, InetSocketAddress client) {
        try {
            Message message = new Message(query);
            var question = message.getQuestion();
            String name = key(question.getName().toString());
            if (question.getType() == Type.MX && takeOne(dropFirst, name)) {
                dropped.incrementAndGet();
                return;
            }
            byte[] reply;
            if (question.getType() == Type.MX && takeOne(servfailFirst, name)) {
                servfails.incrementAndGet();
                Message fail = new Message(message.getHeader().getID());
                fail.getHeader().setFlag(Flags.QR);
                fail.getHeader().setRcode(Rcode.SERVFAIL);
                fail.addRecord(question, 0);
                reply = fail.toWire();
            } else {
                reply = forward(query);
            }
            socket.send(new DatagramPacket(reply, reply.length, client));
        } catch (IOException e) {
            // a lost answer is one more timeout for the resolver
        }
    }

    private byte[] forward(byte[] query) throws IOException {
        try (DatagramSocket up = new DatagramSocket()) {
            up.setSoTimeout(2000);
            up.send(new DatagramPacket(query, query.length, upstream));
            byte[] buffer = new byte[4096];
            DatagramPacket answer = new DatagramPacket(buffer, buffer.length);
            up.receive(answer);
            return Arrays.copyOf(answer.getData(), answer.getLength());
        }
    }

    private static boolean takeOne(Map<String, AtomicInteger> counts, String name) {
        AtomicInteger left = counts.get(name);
        return left != null && left.getAndDecrement() > 0;
    }

    private static String key(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }

    @Override
    public void close() {
        socket.close();
    }
}
