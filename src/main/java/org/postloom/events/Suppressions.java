package org.postloom.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Recipients that are never attempted again: an in-memory map in front of an append-only log of
 * changes ({@code suppressions.jsonl} in the spool directory), each change forced before it is
 * acknowledged, the log rewritten compactly at start. Addresses compare without case.
 */
public final class Suppressions implements AutoCloseable {

    /** One suppressed address, as {@code GET /suppressions} shows it. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Entry(String address, String since, BounceClass bounceClass, String reply) {}

    /** A line of the log: a put carries the entry, a delete only the address. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Change(String op, String address, String since, BounceClass bounceClass, String reply) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private FileChannel log;

    private Suppressions(Path file) throws IOException {
        this.file = file;
        if (file == null) return;
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file)) {
                if (line.isBlank()) continue;
                Change c;
                try {
                    c = JSON.readValue(line, Change.class);
                } catch (IOException torn) {
                    break; // a crash cut the last line short: it was never acknowledged
                }
                if (c.op().equals("delete")) entries.remove(key(c.address()));
                else entries.put(key(c.address()), new Entry(c.address(), c.since(), c.bounceClass(), c.reply()));
            }
        }
        rewrite();
    }

    /** A list kept in memory only (tests, and a relay with events off entirely). */
    public static Suppressions inMemory() {
        try {
            return new Suppressions(null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Loads the list from {@code file} (created if absent). */
    public static Suppressions open(Path file) throws IOException {
        return new Suppressions(file);
    }

    public Optional<Entry> find(String address) {
        return Optional.ofNullable(entries.get(key(address)));
    }

    /** Every entry, by address. */
    public List<Entry> all() {
        return entries.values().stream().sorted(Comparator.comparing(Entry::address)).toList();
    }

    /** Adds or replaces an entry; returns once it is durable. */
    public void put(Entry entry) throws IOException {
        append(new Change("put", entry.address(), entry.since(), entry.bounceClass(), entry.reply()));
        entries.put(key(entry.address()), entry);
    }

    /** Removes an address; returns whether it was there, once the change is durable. */
    public boolean delete(String address) throws IOException {
        if (!entries.containsKey(key(address))) return false;
        append(new Change("delete", address, null, null, null));
        entries.remove(key(address));
        return true;
    }

    private synchronized void append(Change change) throws IOException {
        if (log == null) return;
        byte[] line = (JSON.writeValueAsString(change) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.wrap(line);
        while (b.hasRemaining()) log.write(b);
        log.force(false);
    }

    /** Writes the live entries alone to a new file and puts it in place of the old log. */
    private void rewrite() throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        StringBuilder out = new StringBuilder();
        for (Entry e : all()) {
            out.append(JSON.writeValueAsString(new Change("put", e.address(), e.since(), e.bounceClass(), e.reply()))).append('\n');
        }
        try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(out.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            while (b.hasRemaining()) c.write(b);
            c.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        log = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }

    private static String key(String address) {
        return address.toLowerCase(Locale.ROOT);
    }

    @Override
    public void close() {
        if (log == null) return;
        try {
            log.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
