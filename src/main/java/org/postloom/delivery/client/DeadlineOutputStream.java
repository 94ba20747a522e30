package org.postloom.delivery.client;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Bounds each write in time. Java's blocking sockets have no write timeout, and a server that stops
 * reading would hold a courier forever (RFC 5321 4.5.3.2.5 wants 3 minutes per data block): a
 * watchdog closes the socket when a write takes longer, which makes the write fail.
 */
final class DeadlineOutputStream extends OutputStream {

    private static final ScheduledThreadPoolExecutor WATCHDOG = watchdog();

    private final OutputStream out;
    private final Socket toClose;
    private Duration timeout;
    private volatile boolean expired;

    /** @param toClose the socket to close when a write is late: the plain TCP socket, even under TLS */
    DeadlineOutputStream(OutputStream out, Socket toClose, Duration timeout) {
        this.out = out;
        this.toClose = toClose;
        this.timeout = timeout;
    }

    void timeout(Duration limit) {
        timeout = limit;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        ScheduledFuture<?> alarm = WATCHDOG.schedule(this::expire, timeout.toMillis(), TimeUnit.MILLISECONDS);
        try {
            out.write(b, off, len);
        } catch (IOException e) {
            throw expired ? timedOut(e) : e;
        } finally {
            alarm.cancel(false);
        }
    }

    @Override
    public void flush() throws IOException {
        try {
            out.flush();
        } catch (IOException e) {
            throw expired ? timedOut(e) : e;
        }
    }

    @Override
    public void close() throws IOException {
        out.close();
    }

    private SocketTimeoutException timedOut(IOException cause) {
        var e = new SocketTimeoutException("write timed out after " + timeout);
        e.initCause(cause);
        return e;
    }

    private void expire() {
        expired = true;
        try {
            toClose.close();
        } catch (IOException ignored) {
            // closing is all we can do
        }
    }

    private static ScheduledThreadPoolExecutor watchdog() {
        var executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "smtp-client-write-watchdog");
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true); // most alarms are cancelled: do not keep them queued
        return executor;
    }
}
