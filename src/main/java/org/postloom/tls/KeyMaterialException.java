package org.postloom.tls;

import java.nio.file.Path;

/**
 * The configured certificate or key cannot be used. Always names the file, because the operator
 * who reads this at start-up needs to know which of the two settings to fix.
 */
public final class KeyMaterialException extends RuntimeException {

    private final Path file;

    public KeyMaterialException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    public KeyMaterialException(Path file, String problem) {
        this(file, problem, null);
    }

    /** The file that could not be used. */
    public Path file() {
        return file;
    }
}
