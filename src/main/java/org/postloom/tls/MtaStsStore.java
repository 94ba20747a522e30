package org.postloom.tls;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import java.nio.channels.FileChannel;

/**
 * MTA-STS policies kept on disk (RFC 8461 5.1: the cache must outlive restarts, or an attacker
 * who blocks the policy host right after a restart downgrades the sender). One file per domain in
 * {@code <spool>/mta-sts}: an {@code id:} and a {@code fetched:} line, a blank line, the policy as
 * served. Written to a temporary file, fsynced, then renamed over the old one.
 */
final class MtaStsStore {

    private static final System.Logger LOG = System.getLogger("org.postloom.tls");

    private final Path dir;

    MtaStsStore(Path dir) {
        this.dir = dir;
    }

    /** Every readable policy on disk, by domain; unreadable files are logged and skipped. */
    Map<String, MtaStsPolicy> load() {
        Map<String, MtaStsPolicy> out = new HashMap<>();
        if (!Files.isDirectory(dir)) return out;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".policy")).toList()) {
                String name = file.getFileName().toString();
                String domain = name.substring(0, name.length() - ".policy".length());
                try {
                    out.put(domain, read(Files.readString(file, StandardCharsets.UTF_8)));
                } catch (IOException | MtaStsPolicy.InvalidPolicy | DateTimeParseException | IllegalArgumentException e) {
                    LOG.log(System.Logger.Level.WARNING, "mta-sts cache file unreadable file=" + file + " error=\"" + e.getMessage() + "\"");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the MTA-STS cache " + dir, e);
        }
        return out;
    }

    void save(String domain, MtaStsPolicy policy) {
        try {
            Files.createDirectories(dir);
            Path target = dir.resolve(domain + ".policy");
            Path temporary = dir.resolve(domain + ".policy.tmp");
            String content = "id: " + policy.id() + "\nfetched: " + policy.fetched() + "\n\n" + policy.text();
            Files.writeString(temporary, content, StandardCharsets.UTF_8);
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            try {
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            // The policy still applies from memory; only a restart would forget it.
            LOG.log(System.Logger.Level.WARNING, "mta-sts cache not written domain=" + domain + " error=\"" + e.getMessage() + "\"");
        }
    }

    private static MtaStsPolicy read(String content) throws MtaStsPolicy.InvalidPolicy {
        int blank = content.indexOf("\n\n");
        if (blank < 0) throw new IllegalArgumentException("no blank line after the header");
        String id = null;
        Instant fetched = null;
        for (String line : content.substring(0, blank).split("\n")) {
            if (line.startsWith("id: ")) id = line.substring(4);
            if (line.startsWith("fetched: ")) fetched = Instant.parse(line.substring(9));
        }
        if (id == null || fetched == null) throw new IllegalArgumentException("header without id or fetched");
        return MtaStsPolicy.parse(content.substring(blank + 2), id, fetched);
    }
}
