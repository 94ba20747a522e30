package org.postloom.dkim;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * Builds one DKIM-Signature header field (RFC 6376 3.5) and signs it. The {@code b=} tag comes
 * last, so the field with an empty {@code b=} that the signature covers (3.7: "with the value of
 * the b= tag deleted") is exactly the text up to {@code b=}: what a verifier rebuilds when it
 * removes the value and the folding inside it.
 */
final class SignatureHeader {

    /** RFC 5322 2.1.1: lines should be no longer than 78 characters. */
    private static final int WIDTH = 78;
    private static final int B64_PIECE = 16;

    /** What every signature of one message shares. */
    record Message(String domain, Canonicalization headers, Canonicalization body, long timestamp,
                   byte[] bodyHash, List<String> signedNames, byte[] canonicalSignedHeaders) {
    }

    private SignatureHeader() {
    }

    /** The complete header field, ending in CRLF. */
    static byte[] sign(SigningKey key, Message m) throws GeneralSecurityException {
        var folder = new Folder("DKIM-Signature:");
        folder.add(" ", "v=1;");
        folder.add(" ", "a=" + key.algorithm().tagName() + ";");
        folder.add(" ", "c=" + m.headers().tagName() + "/" + m.body().tagName() + ";");
        folder.add(" ", "d=" + m.domain() + ";");
        folder.add(" ", "s=" + key.selector() + ";");
        folder.add(" ", "t=" + m.timestamp() + ";");
        folder.add(" ", "bh=" + Base64.getEncoder().encodeToString(m.bodyHash()) + ";");
        List<String> names = m.signedNames();
        for (int i = 0; i < names.size(); i++) {
            // FWS may stand around each colon of h= (RFC 6376 3.5), so the list folds anywhere.
            String piece = (i == 0 ? "h=" : "") + names.get(i) + (i == names.size() - 1 ? ";" : ":");
            folder.add(i == 0 ? " " : "", piece);
        }
        folder.add(" ", "b=");
        byte[] unsigned = folder.text().getBytes(StandardCharsets.US_ASCII);

        byte[] canonical = m.headers().header(withCrlf(unsigned));
        var data = new ByteArrayOutputStream(m.canonicalSignedHeaders().length + canonical.length);
        data.writeBytes(m.canonicalSignedHeaders());
        data.write(canonical, 0, canonical.length - 2); // 3.7: the signature field without its final CRLF
        String b = Base64.getEncoder().encodeToString(key.sign(data.toByteArray()));
        for (int i = 0; i < b.length(); i += B64_PIECE) {
            folder.add("", b.substring(i, Math.min(b.length(), i + B64_PIECE)));
        }
        return withCrlf(folder.text().getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] withCrlf(byte[] text) {
        byte[] out = Arrays.copyOf(text, text.length + 2);
        out[text.length] = '\r';
        out[text.length + 1] = '\n';
        return out;
    }

    /** Joins pieces, folding (CRLF TAB, RFC 5322 2.2.3) before a piece that would pass the width. */
    private static final class Folder {

        private final StringBuilder text = new StringBuilder(512);
        private int column;

        Folder(String start) {
            text.append(start);
            column = start.length();
        }

        void add(String separator, String piece) {
            if (column + separator.length() + piece.length() > WIDTH) {
                text.append("\r\n\t");
                column = 8;
            } else {
                text.append(separator);
                column += separator.length();
            }
            text.append(piece);
            column += piece.length();
        }

        String text() {
            return text.toString();
        }
    }
}
