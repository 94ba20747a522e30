package org.postloom.inject;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32C;

/**
 * The responses given to requests with an {@code Idempotency-Key}, kept for a day across restarts
 * (CONTRACT.md 4), in one append-only file beside the spool's segments. Each record carries its
 * length and a CRC32C, so a record torn by a crash is recognised and dropped (it was never
 * answered). A response is forced to disk before the client hears it; writers that arrive while
 * one forces share the next force. Expired records are left behind when the file is rewritten,
 * at start and whenever dead records outnumber the live ones.
 */
public final class IdempotencyStore implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("org.postloom.inject");
    private static final int MAX_RECORD = 16 << 20;

    /** A response as it went out: the status and the JSON body. */
    public record Response(int status, byte[] body) {}

    /** What {@link #once} gives: the response, and whether it is a repeat of an earlier one. */
    public record Answer(Response response, boolean repeated) {}

    /** The work done once per key: it answers, or refuses (refusals are not kept: a retry may do better). */
    @FunctionalInterface
    public interface Work {
        Response run() throws Refusal;
    }

    private record Entry(long expiresAtMillis, Response response) {}

    private record Expiry(long atMillis, String key) {}

    private final Path file;
    private final Duration ttl;
    private final Clock clock;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Answer>> inFlight = new ConcurrentHashMap<>();
    private final ArrayDeque<Expiry> expiries = new ArrayDeque<>(); // time order: every key lives the same ttl
    private final Object writeLock = new Object();
    private final Object forceLock = new Object();
    private FileChannel channel;
    private long written;
    private volatile long writtenVisible;
    private long forced;
    private long records;

    private IdempotencyStore(Path file, Duration ttl, Clock clock) {
        this.file = file;
        this.ttl = ttl;
        this.clock = clock;
    }

    /** Reads the keys still alive from {@code file} (a torn tail is dropped) and rewrites it with only those. */
    public static IdempotencyStore open(Path file, Duration ttl, Clock clock) throws IOException {
        var store = new IdempotencyStore(file, ttl, clock);
        store.load();
        synchronized (store.writeLock) {
            store.rewrite();
        }
        return store;
    }

    /**
     * The response for {@code key}: the kept one if there is one, else the one {@code work}
     * gives, made durable first. Concurrent callers with one key wait for the first one's work
     * and get its answer, so the work runs once.
     */
    public Answer once(String key, Work work) throws Refusal, IOException {
        Entry kept = alive(key);
        if (kept != null) return new Answer(kept.response(), true);
        var mine = new CompletableFuture<Answer>();
        CompletableFuture<Answer> first = inFlight.putIfAbsent(key, mine);
        if (first != null) return repeatOf(first);
        try {
            kept = alive(key); // the first may have finished between the look-up and the claim
            Answer answer = kept != null ? new Answer(kept.response(), true) : new Answer(keep(key, work.run()), false);
            mine.complete(answer);
            return answer;
        } catch (Refusal | IOException | RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            inFlight.remove(key, mine);
        }
    }

    private static Answer repeatOf(CompletableFuture<Answer> first) throws Refusal, IOException {
        try {
            return new Answer(first.join().response(), true);
        } catch (CompletionException e) {
            switch (e.getCause()) {
                case Refusal r -> throw r;
                case IOException io -> throw io;
                case RuntimeException r -> throw r;
                default -> throw e;
            }
        }
    }

    private Entry alive(String key) {
        Entry e = entries.get(key);
        return e != null && e.expiresAtMillis() > clock.millis() ? e : null;
    }

    private Response keep(String key, Response response) throws IOException {
        long expires = clock.millis() + ttl.toMillis();
        byte[] record = frame(key, expires, response);
        long end;
        synchronized (writeLock) {
            writeFully(channel, record);
            end = written += record.length;
            writtenVisible = end;
            records++;
            entries.put(key, new Entry(expires, response));
            expiries.add(new Expiry(expires, key));
        }
        forceThrough(end);
        synchronized (writeLock) {
            dropExpired();
            if (records > 1000 && records > 2L * entries.size()) rewrite();
        }
        return response;
    }

    /** Forces the file at least through {@code end}; one force serves every write made before it began. */
    private void forceThrough(long end) throws IOException {
        synchronized (forceLock) {
            if (forced >= end) return;
            long target = writtenVisible;
            channel.force(false);
            forced = target;
        }
    }

    private void dropExpired() {
        long now = clock.millis();
        while (!expiries.isEmpty() && expiries.peekFirst().atMillis() <= now) {
            Expiry gone = expiries.pollFirst();
            entries.computeIfPresent(gone.key(), (k, e) -> e.expiresAtMillis() <= now ? null : e);
        }
    }

    /** Writes the live records to a new file and puts it in place of the old one (rename is atomic). */
    private void rewrite() throws IOException {
        dropExpired();
        Path next = file.resolveSibling(file.getFileName() + ".new");
        try (FileChannel out = FileChannel.open(next, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (Expiry e : expiries) {
                Entry entry = entries.get(e.key());
                if (entry != null && entry.expiresAtMillis() == e.atMillis()) writeFully(out, frame(e.key(), e.atMillis(), entry.response()));
            }
            out.force(true);
        }
        Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        forceDirectory(file.toAbsolutePath().getParent());
        synchronized (forceLock) {
            if (channel != null) channel.close();
            channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            written = channel.size();
            writtenVisible = written;
            forced = written;
            records = entries.size();
        }
    }

    private void load() throws IOException {
        if (!Files.exists(file)) return;
        long now = clock.millis();
        try (var in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            while (true) {
                int length;
                try {
                    length = in.readInt();
                } catch (EOFException end) {
                    return;
                }
                int checksum = in.readInt();
                if (length < 0 || length > MAX_RECORD) throw new EOFException("bad length");
                byte[] payload = in.readNBytes(length);
                if (payload.length < length || crc(payload) != checksum) {
                    LOG.log(System.Logger.Level.WARNING, "idempotency file " + file + ": torn record at its end dropped");
                    return;
                }
                var p = new DataInputStream(new ByteArrayInputStream(payload));
                long expires = p.readLong();
                String key = p.readUTF();
                int status = p.readInt();
                byte[] body = p.readNBytes(p.readInt());
                if (expires > now) {
                    entries.put(key, new Entry(expires, new Response(status, body)));
                    expiries.add(new Expiry(expires, key));
                }
            }
        } catch (EOFException torn) {
            LOG.log(System.Logger.Level.WARNING, "idempotency file " + file + ": torn record at its end dropped");
        }
    }

    private static byte[] frame(String key, long expires, Response response) {
        var payload = new ByteArrayOutputStream(64 + response.body().length);
        try (var out = new DataOutputStream(payload)) {
            out.writeLong(expires);
            out.writeUTF(key);
            out.writeInt(response.status());
            out.writeInt(response.body().length);
            out.write(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        byte[] bytes = payload.toByteArray();
        return ByteBuffer.allocate(8 + bytes.length).putInt(bytes.length).putInt(crc(bytes)).put(bytes).array();
    }

    private static int crc(byte[] bytes) {
        var crc = new CRC32C();
        crc.update(bytes);
        return (int) crc.getValue();
    }

    private static void writeFully(FileChannel channel, byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) channel.write(buffer);
    }

    private static void forceDirectory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    @Override
    public void close() {
        synchronized (writeLock) {
            try {
                if (channel != null) channel.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "idempotency file " + file + ": close failed: " + e);
            }
        }
    }
}
