package org.postloom.smtp;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;

/** The two SASL mechanisms SMTP submission uses: PLAIN (RFC 4616) and LOGIN (draft-murchison-sasl-login). */
final class Sasl {

    /** base64 of "Username:" and "Password:", as every LOGIN client expects them. */
    static final String USERNAME_PROMPT = "VXNlcm5hbWU6";
    static final String PASSWORD_PROMPT = "UGFzc3dvcmQ6";

    /** PLAIN's message, with the password left encoded so it is decoded once, into a char array. */
    record PlainCredentials(String authorizationId, String user, String passwordBase64) {}

    private Sasl() {}

    /** Decodes {@code [authzid] NUL authcid NUL passwd} (RFC 4616 2). */
    static Optional<PlainCredentials> plain(String response) {
        byte[] raw = bytes(response);
        if (raw == null) return Optional.empty();
        try {
            int first = indexOf(raw, 0);
            int second = first < 0 ? -1 : indexOf(raw, first + 1);
            if (second < 0) return Optional.empty();
            String authz = utf8(raw, 0, first);
            String user = utf8(raw, first + 1, second);
            byte[] password = Arrays.copyOfRange(raw, second + 1, raw.length);
            if (user == null || authz == null || user.isEmpty()) return Optional.empty();
            return Optional.of(new PlainCredentials(authz, user, Base64.getEncoder().encodeToString(password)));
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    static Optional<String> decode(String base64) {
        byte[] raw = bytes(base64);
        return raw == null ? Optional.empty() : Optional.ofNullable(utf8(raw, 0, raw.length)).filter(s -> !s.isEmpty());
    }

    static Optional<char[]> decodeChars(String base64) {
        byte[] raw = bytes(base64);
        if (raw == null) return Optional.empty();
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(raw));
            char[] out = new char[chars.remaining()];
            chars.get(out);
            Arrays.fill(chars.array(), '\0');
            return Optional.of(out);
        } catch (CharacterCodingException e) {
            return Optional.empty();
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    private static byte[] bytes(String base64) {
        try {
            return Base64.getDecoder().decode(base64.strip());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static int indexOf(byte[] raw, int from) {
        for (int i = from; i < raw.length; i++) {
            if (raw[i] == 0) return i;
        }
        return -1;
    }

    private static String utf8(byte[] raw, int from, int to) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(raw, from, to - from)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
