package org.postloom.bench;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.postloom.smtp.Reply;
import org.postloom.smtp.ReplyReader;

/**
 * The generator's side of one SMTP connection: blocking socket, buffered writes that go out on
 * {@link #flush()}, replies read with {@link ReplyReader}. Just enough client for load, no more.
 */
final class BenchConnection implements Closeable {

    private Socket socket;
    private OutputStream out;
    private ReplyReader replies;

    private BenchConnection(Socket socket) throws IOException {
        attach(socket);
    }

    static BenchConnection open(InetSocketAddress server, int timeoutMillis) throws IOException {
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(server, timeoutMillis);
            socket.setSoTimeout(timeoutMillis);
            return new BenchConnection(socket);
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    private void attach(Socket s) throws IOException {
        socket = s;
        out = new BufferedOutputStream(s.getOutputStream(), 16 * 1024);
        replies = new ReplyReader(s.getInputStream());
    }

    Reply read() throws IOException {
        return replies.read();
    }

    void write(String line) throws IOException {
        out.write(line.getBytes(StandardCharsets.US_ASCII));
        out.write('\r');
        out.write('\n');
    }

    OutputStream output() {
        return out;
    }

    void flush() throws IOException {
        out.flush();
    }

    Reply command(String line) throws IOException {
        write(line);
        flush();
        return read();
    }

    /** EHLO; the upper-cased keywords of the reply's lines after the first (RFC 5321 4.1.1.1). */
    Set<String> ehlo(String name) throws IOException {
        Reply reply = command("EHLO " + name);
        if (reply.code() != 250) throw new SmtpRefusal("EHLO", reply);
        Set<String> keywords = new HashSet<>();
        for (int i = 1; i < reply.lines().size(); i++) {
            String line = reply.lines().get(i);
            int space = line.indexOf(' ');
            keywords.add((space < 0 ? line : line.substring(0, space)).toUpperCase(Locale.ROOT));
        }
        return keywords;
    }

    /** STARTTLS (RFC 3207) with a client that trusts any certificate: the bench measures, it does not verify. */
    void startTls(String host) throws IOException {
        Reply reply = command("STARTTLS");
        if (reply.code() != 220) throw new SmtpRefusal("STARTTLS", reply);
        if (replies.hasBufferedInput()) throw new IOException("server sent bytes after 220 to STARTTLS");
        SSLSocket tls = (SSLSocket) TRUSTING.createSocket(socket, host, socket.getPort(), true);
        tls.setUseClientMode(true);
        tls.startHandshake();
        attach(tls);
    }

    /** Says QUIT and closes; errors on the way out do not matter to the measurement. */
    void quit() {
        try {
            command("QUIT");
        } catch (IOException ignored) {
            // closing anyway
        }
        close();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing left to do
        }
    }

    private static final SSLSocketFactory TRUSTING = trustingFactory();

    private static SSLSocketFactory trustingFactory() {
        TrustManager trustAll = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {}

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {}

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {trustAll}, new SecureRandom());
            return context.getSocketFactory();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("no TLS client context", e);
        }
    }

    /** A reply that ends the session's setup (greeting, EHLO, STARTTLS). */
    static final class SmtpRefusal extends IOException {
        final Reply reply;

        SmtpRefusal(String step, Reply reply) {
            super(step + " refused: " + reply.oneLine());
            this.reply = reply;
        }
    }
}
