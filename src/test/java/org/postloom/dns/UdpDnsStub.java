package org.postloom.dns;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.Arrays;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;

/**
 * A DNS "server" on 127.0.0.1 for the failures dnsmasq will not produce on demand: one that reads
 * every query and never answers (a dead or firewalled resolver), and one that answers SERVFAIL
 * to everything (a resolver whose upstream is broken), in dnsjava's wire format.
 */
final class UdpDnsStub implements AutoCloseable {

    private final DatagramSocket socket;

    private UdpDnsStub(DatagramSocket socket) {
        this.socket = socket;
    }

    static UdpDnsStub silent() throws IOException {
        return start(false);
    }

    static UdpDnsStub servfail() throws IOException {
        return start(true);
    }

    private static UdpDnsStub start(boolean answerServfail) throws IOException {
        var socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        var stub = new UdpDnsStub(socket);
        Thread.ofVirtual().name("dns-stub").start(() -> stub.serve(answerServfail));
        return stub;
    }

    InetSocketAddress address() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    private void serve(boolean answerServfail) {
        byte[] buffer = new byte[4096];
        while (!socket.isClosed()) {
            try {
                var packet = new DatagramPacket(buffer, buffer.length);
                socket.receive(packet);
                if (answerServfail) {
                    byte[] reply = servfailFor(Arrays.copyOf(packet.getData(), packet.getLength()));
                    socket.send(new DatagramPacket(reply, reply.length, packet.getSocketAddress()));
                }
            } catch (SocketException closed) {
                return;
            } catch (IOException malformed) {
                // not a DNS query: drop it, like a server would
            }
        }
    }

    private static byte[] servfailFor(byte[] queryBytes) throws IOException {
        var query = new Message(queryBytes);
        var reply = new Message(query.getHeader().getID());
        reply.getHeader().setFlag(Flags.QR);
        reply.getHeader().setFlag(Flags.RD);
        reply.getHeader().setFlag(Flags.RA);
        reply.getHeader().setRcode(Rcode.SERVFAIL);
        reply.addRecord(query.getQuestion(), 0);
        return reply.toWire();
    }

    @Override
    public void close() {
        socket.close();
    }
}
