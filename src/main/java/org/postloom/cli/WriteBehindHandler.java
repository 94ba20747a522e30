package org.postloom.cli;

import java.io.BufferedWriter;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.ErrorManager;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;

/**
 * Log lines to standard error through a buffer that a background thread flushes every 100 ms
 * (warnings and errors at once). The JDK's ConsoleHandler flushes every line, a system call per
 * event, which at relay rates costs more than the events themselves. At most the last 100 ms of
 * INFO lines can be lost in a crash; the mail itself never depends on the log.
 */
final class WriteBehindHandler extends Handler {

    private static final long FLUSH_MILLIS = 100;

    private final Writer out = new BufferedWriter(
            new OutputStreamWriter(new FileOutputStream(FileDescriptor.err), StandardCharsets.UTF_8), 64 * 1024);
    private final ReentrantLock lock = new ReentrantLock();
    private volatile boolean dirty;

    WriteBehindHandler() {
        Thread.ofPlatform().daemon().name("log-flusher").start(() -> {
            while (true) {
                try {
                    Thread.sleep(FLUSH_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
                if (dirty) flush();
            }
        });
    }

    @Override
    public void publish(LogRecord record) {
        if (!isLoggable(record)) return;
        String line = getFormatter().format(record);
        lock.lock();
        try {
            out.write(line);
            dirty = true;
        } catch (IOException e) {
            reportError("cannot write log line", e, ErrorManager.WRITE_FAILURE);
        } finally {
            lock.unlock();
        }
        if (record.getLevel().intValue() >= Level.WARNING.intValue()) flush();
    }

    @Override
    public void flush() {
        lock.lock();
        try {
            dirty = false;
            out.flush();
        } catch (IOException e) {
            reportError("cannot flush log", e, ErrorManager.FLUSH_FAILURE);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        flush();
    }
}
