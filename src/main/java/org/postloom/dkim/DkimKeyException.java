package org.postloom.dkim;

import java.nio.file.Path;

/** A DKIM key file that cannot be used; the message names the file, for the operator. */
public final class DkimKeyException extends IllegalArgumentException {

    DkimKeyException(Path file, String problem) {
        super("DKIM key " + file + ": " + problem);
    }

    DkimKeyException(Path file, String problem, Throwable cause) {
        super("DKIM key " + file + ": " + problem, cause);
    }
}
