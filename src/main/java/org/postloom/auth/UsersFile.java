package org.postloom.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The users who may authenticate, one per line: {@code user:bcrypt-hash[:senders]}, where the
 * optional senders are a comma list of addresses or {@code @domain} a user may send as. Lines
 * starting with {@code #} are comments. The file is read again when it changes on disk, so
 * {@code bin/postloom passwd} takes effect without a restart.
 */
public final class UsersFile {

    private static final System.Logger LOG = System.getLogger("org.postloom.auth");

    /** One user's line. */
    public record User(String name, String hash, List<String> senders) {}

    private final Path path;
    private volatile Snapshot snapshot = new Snapshot(FileTime.fromMillis(0), -1, Map.of());

    private record Snapshot(FileTime modified, long size, Map<String, User> users) {}

    public UsersFile(Path path) {
        this.path = path;
        refresh();
    }

    /** The user's entry, reading the file again first if it changed. */
    public Optional<User> find(String name) {
        refresh();
        return Optional.ofNullable(snapshot.users().get(name));
    }

    private void refresh() {
        try {
            FileTime modified = Files.getLastModifiedTime(path);
            long size = Files.size(path);
            Snapshot current = snapshot;
            if (modified.equals(current.modified()) && size == current.size()) return;
            snapshot = new Snapshot(modified, size, parse(Files.readAllLines(path, StandardCharsets.UTF_8)));
            LOG.log(System.Logger.Level.INFO, "auth: loaded users=" + snapshot.users().size() + " file=" + path);
        } catch (NoSuchFileException e) {
            if (!snapshot.users().isEmpty()) LOG.log(System.Logger.Level.WARNING, "auth: users file gone: " + path);
            snapshot = new Snapshot(FileTime.fromMillis(0), -1, Map.of());
        } catch (IOException e) {
            // Keep the users we had: a half-written file must not lock everyone out.
            LOG.log(System.Logger.Level.WARNING, "auth: cannot read " + path + ": " + e.getMessage());
        }
    }

    static Map<String, User> parse(List<String> lines) {
        Map<String, User> users = new LinkedHashMap<>();
        for (String line : lines) {
            if (line.isBlank() || line.startsWith("#")) continue;
            String[] f = line.strip().split(":", 3);
            if (f.length < 2 || f[0].isEmpty()) continue;
            List<String> senders = f.length == 3 && !f[2].isBlank()
                    ? List.of(f[2].split("\\s*,\\s*")) : List.of();
            users.put(f[0], new User(f[0], f[1], senders));
        }
        return users;
    }

    /**
     * Adds or replaces a user's line (like {@code htpasswd}), keeping its senders, written to a
     * temporary file and renamed over the old one so the relay never reads half a file.
     */
    public static void setPassword(Path file, String user, char[] password) throws IOException {
        if (user.isEmpty() || user.contains(":") || user.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("a user name may not be empty or hold ':' or spaces: '" + user + "'");
        }
        List<String> lines = Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
        List<String> out = new ArrayList<>();
        boolean replaced = false;
        for (String line : lines) {
            String[] f = line.split(":", 3);
            if (!line.startsWith("#") && f[0].equals(user)) {
                out.add(user + ":" + PasswordHash.hash(password) + (f.length == 3 ? ":" + f[2] : ""));
                replaced = true;
            } else {
                out.add(line);
            }
        }
        if (!replaced) out.add(user + ":" + PasswordHash.hash(password));
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, ".users", ".tmp", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rw-------")));
        Files.write(temp, out, StandardCharsets.UTF_8);
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
