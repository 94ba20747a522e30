package org.postloom;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;

/** Reading a raw client's socket up to a reply the test is waiting for. */
public final class SmtpReplies {

    private SmtpReplies() {}

    /** Everything the server sent until a line starting with {@code marker} (or the end of stream). */
    public static String readUntil(Socket s, String marker) throws IOException {
        StringBuilder got = new StringBuilder();
        InputStream in = s.getInputStream();
        while (!got.toString().contains("\r\n" + marker) && !got.toString().startsWith(marker)) {
            int b = in.read();
            if (b < 0) break;
            got.append((char) b);
        }
        return got.toString();
    }
}
