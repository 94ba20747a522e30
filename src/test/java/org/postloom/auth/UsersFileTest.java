package org.postloom.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UsersFileTest {

    @TempDir
    Path dir;

    @Test
    void setPasswordAddsThenReplacesKeepingSendersAndOtherUsers() throws Exception {
        Path file = dir.resolve("users");
        UsersFile.setPassword(file, "alice", "first".toCharArray());
        UsersFile.setPassword(file, "bob", "bobs".toCharArray());
        Files.writeString(file, Files.readString(file).replaceAll("(?m)^(alice:.*)$", "$1:alice@app.test,@app.test"));
        UsersFile.setPassword(file, "alice", "second".toCharArray());
        UsersFile users = new UsersFile(file);
        UsersFile.User alice = users.find("alice").orElseThrow();
        assertThat(PasswordHash.matches(alice.hash(), "second".toCharArray())).isTrue();
        assertThat(PasswordHash.matches(alice.hash(), "first".toCharArray())).isFalse();
        assertThat(alice.hash()).startsWith("$2y$10$");
        assertThat(alice.senders()).containsExactly("alice@app.test", "@app.test");
        assertThat(PasswordHash.matches(users.find("bob").orElseThrow().hash(), "bobs".toCharArray())).isTrue();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }

    @Test
    void theFileIsReadAgainWhenItChanges() throws Exception {
        Path file = dir.resolve("users");
        UsersFile.setPassword(file, "alice", "pw".toCharArray());
        UsersFile users = new UsersFile(file);
        assertThat(users.find("carol")).isEmpty();
        UsersFile.setPassword(file, "carol", "pw2".toCharArray());
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));
        assertThat(users.find("carol")).isPresent();
    }

    @Test
    void badUserNamesAndMalformedHashesAreRefused() {
        assertThatThrownBy(() -> UsersFile.setPassword(dir.resolve("u"), "a:b", "x".toCharArray()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(PasswordHash.matches("not-a-hash", "x".toCharArray())).isFalse();
    }
}
