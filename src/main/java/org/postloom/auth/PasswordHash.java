package org.postloom.auth;

import java.security.SecureRandom;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * Password hashes in the bcrypt format ({@code $2y$...}) that htpasswd and Dovecot also read,
 * made and checked by Bouncy Castle. The cost makes each guess slow for someone who stole the file.
 */
public final class PasswordHash {

    /** 2^10 rounds: tens of milliseconds per check here, ample against offline guessing. */
    static final int COST = 10;
    private static final SecureRandom RANDOM = new SecureRandom();

    private PasswordHash() {}

    public static String hash(char[] password) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        return OpenBSDBCrypt.generate("2y", password, salt, COST);
    }

    /** Constant-time comparison inside Bouncy Castle; a malformed hash never matches. */
    public static boolean matches(String hash, char[] password) {
        try {
            return OpenBSDBCrypt.checkPassword(hash, password);
        } catch (IllegalArgumentException | NullPointerException malformed) {
            return false;
        }
    }
}
