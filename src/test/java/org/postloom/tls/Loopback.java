package org.postloom.tls;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A real TCP connection on 127.0.0.1 whose accepted end runs a server-side upgrade. */
final class Loopback implements AutoCloseable {

    interface ServerSide<T> {
        T run(Socket accepted) throws Exception;
    }

    private final ServerSocket listener;
    private final CompletableFuture<Object> server = new CompletableFuture<>();

    private Loopback(ServerSocket listener) {
        this.listener = listener;
    }

    /** Listens on an ephemeral port and hands the first accepted socket to {@code serverSide}. */
    static Loopback serve(ServerSide<?> serverSide) throws IOException {
        var listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        var loopback = new Loopback(listener);
        Thread.ofVirtual().start(() -> {
            try {
                Socket accepted = listener.accept();
                accepted.setSoTimeout(10_000);
                loopback.server.complete(serverSide.run(accepted));
            } catch (Throwable e) {
                loopback.server.completeExceptionally(e);
            }
        });
        return loopback;
    }

    /** A plain client socket connected to the listener. */
    Socket connect() throws IOException {
        var socket = new Socket();
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort()), 5_000);
        socket.setSoTimeout(10_000);
        return socket;
    }

    /** What the server side returned; throws what it threw. */
    @SuppressWarnings("unchecked")
    <T> T serverResult() throws Throwable {
        try {
            return (T) server.get(15, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause();
        } catch (TimeoutException e) {
            throw new AssertionError("server side did not finish", e);
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
