package org.postloom.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Real handshakes over 127.0.0.1 between {@link ServerTls} and clients of several kinds. */
class HandshakeTest {

    private static final String HOST = "mx.postloom.test";
    private static final List<String> TLS_1_2_ONLY = List.of("TLSv1.2");

    private static KeyMaterial ec;
    private static ServerTls ecServer;

    @BeforeAll
    static void keys() {
        ec = TestCertificates.ec(HOST);
        ecServer = ServerTls.of(ec);
    }

    @Test
    void negotiatesTls13AndCarriesDataBothWays() throws Throwable {
        try (var loopback = Loopback.serve(accepted -> echoOneLine(ecServer.upgrade(accepted)));
                var client = ClientTls.opportunistic().upgrade(loopback.connect(), HOST)) {
            client.socket().getOutputStream().write("EHLO client.test\r\n".getBytes(StandardCharsets.US_ASCII));
            client.socket().getOutputStream().flush();

            assertThat(readLine(client.socket())).isEqualTo("echo: EHLO client.test");
            TlsConnection server = loopback.serverResult();
            assertThat(client.protocol()).isEqualTo("TLSv1.3");
            assertThat(client.cipherSuite()).as("AES-GCM ahead of ChaCha20").startsWith("TLS_AES_").endsWith("GCM_SHA384");
            assertThat(server.description()).isEqualTo(client.description()).isEqualTo("TLSv1.3 " + client.cipherSuite());
        }
    }

    @Test
    void clientLimitedToTls12GetsEcdheEcdsaAesGcm() throws Throwable {
        try (var loopback = Loopback.serve(ecServer::upgrade);
                var client = ClientTls.opportunistic().upgrade(loopback.connect(), HOST, TLS_1_2_ONLY)) {
            TlsConnection server = loopback.serverResult();
            assertThat(server.protocol()).isEqualTo("TLSv1.2");
            assertThat(server.cipherSuite()).matches("TLS_ECDHE_ECDSA_WITH_AES_(128_GCM_SHA256|256_GCM_SHA384)");
            assertThat(client.description()).isEqualTo(server.description());
        }
    }

    @Test
    void clientOfferingOnlyTls11IsRefused() throws Throwable {
        try (var loopback = Loopback.serve(ecServer::upgrade)) {
            assertThatThrownBy(() -> ClientTls.opportunistic().upgrade(loopback.connect(), HOST, List.of("TLSv1.1")))
                    .isInstanceOf(SSLException.class)
                    .hasMessageStartingWith("TLS handshake with ")
                    .hasMessageContaining("127.0.0.1");
            assertThatThrownBy(loopback::serverResult).isInstanceOf(SSLException.class);
        }
    }

    /**
     * BCJSSE and SunJSSE both refuse to even send a TLS 1.1 hello (jdk.tls.disabledAlgorithms),
     * so this one is written by hand: the server must answer with a fatal alert, not a ServerHello.
     */
    @Test
    void rawTls11HelloGetsAFatalAlert() throws Throwable {
        try (var loopback = Loopback.serve(ecServer::upgrade); var plain = loopback.connect()) {
            plain.getOutputStream().write(tls11ClientHello());
            plain.getOutputStream().flush();

            byte[] reply = plain.getInputStream().readNBytes(7);
            assertThat(reply[0]).as("content type alert").isEqualTo((byte) 21);
            assertThat(reply[5]).as("fatal").isEqualTo((byte) 2);
            assertThat(reply[6]).as("protocol_version or handshake_failure").isIn((byte) 70, (byte) 40);
            assertThatThrownBy(loopback::serverResult).isInstanceOf(SSLException.class).hasMessageContaining("127.0.0.1");
        }
    }

    @Test
    void jdkSunJsseClientInteroperates() throws Throwable {
        // The server closes first: SunJSSE's close of a layered socket waits for the peer's close_notify.
        try (var loopback = Loopback.serve(ecServer::upgrade); var client = sunJsseHandshake(loopback.connect());
                TlsConnection server = loopback.serverResult()) {
            assertThat(server.protocol()).isEqualTo("TLSv1.3");
            assertThat(client.getSession().getCipherSuite()).isEqualTo(server.cipherSuite());
        }
    }

    @Test
    void rsaKeyMaterialCompletesTls13WithBothClients() throws Throwable {
        var rsaServer = ServerTls.of(TestCertificates.rsa(HOST));
        try (var loopback = Loopback.serve(rsaServer::upgrade);
                var client = ClientTls.opportunistic().upgrade(loopback.connect(), HOST)) {
            assertThat(client.protocol()).isEqualTo("TLSv1.3");
            assertThat(loopback.<TlsConnection>serverResult().protocol()).isEqualTo("TLSv1.3");
        }
        try (var loopback = Loopback.serve(rsaServer::upgrade); var client = sunJsseHandshake(loopback.connect());
                TlsConnection server = loopback.serverResult()) {
            assertThat(client.getSession().getProtocol()).isEqualTo("TLSv1.3");
            assertThat(server.protocol()).isEqualTo("TLSv1.3");
        }
    }

    /** STARTTLS: the same socket first carries plain text, then TLS. */
    @Test
    void upgradesAConnectionThatAlreadyCarriedPlainText() throws Throwable {
        try (var loopback = Loopback.serve(accepted -> {
                    assertThat(readLine(accepted)).isEqualTo("STARTTLS");
                    accepted.getOutputStream().write("220 2.0.0 Ready to start TLS\r\n".getBytes(StandardCharsets.US_ASCII));
                    return echoOneLine(ecServer.upgrade(accepted));
                });
                var plain = loopback.connect()) {
            plain.getOutputStream().write("STARTTLS\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readLine(plain)).startsWith("220 ");

            try (var client = ClientTls.opportunistic().upgrade(plain, HOST)) {
                client.socket().getOutputStream().write("EHLO again\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(readLine(client.socket())).isEqualTo("echo: EHLO again");
                assertThat(loopback.<TlsConnection>serverResult().protocol()).isEqualTo("TLSv1.3");
            }
        }
    }

    @Test
    void verifyingClientAcceptsATrustedCertificateForTheRightName() throws Throwable {
        var verifying = ClientTls.verifying(trusting(ec));
        assertThat(verifying.verifiesPeer()).isTrue();
        try (var loopback = Loopback.serve(ecServer::upgrade);
                var client = verifying.upgrade(loopback.connect(), HOST + ".")) { // MX names end in a dot
            assertThat(client.protocol()).isEqualTo("TLSv1.3");
        }
    }

    @Test
    void verifyingClientRefusesAWrongNameOrAnUntrustedCertificate() throws Throwable {
        try (var loopback = Loopback.serve(ecServer::upgrade)) {
            assertThatThrownBy(() -> ClientTls.verifying(trusting(ec)).upgrade(loopback.connect(), "other.postloom.test"))
                    .isInstanceOf(SSLException.class)
                    .hasMessageStartingWith("TLS handshake with ");
        }
        try (var loopback = Loopback.serve(ecServer::upgrade)) {
            assertThatThrownBy(() -> ClientTls.verifying().upgrade(loopback.connect(), HOST))
                    .isInstanceOf(SSLException.class);
        }
        assertThat(ClientTls.opportunistic().verifiesPeer()).isFalse();
    }

    private static KeyStore trusting(KeyMaterial material) throws Exception {
        var store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setCertificateEntry("peer", material.certificate());
        return store;
    }

    /** The JDK's own TLS client, trusting anything, as another MTA built on Java would be. */
    private static SSLSocket sunJsseHandshake(Socket plain) throws Exception {
        var context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {new TrustAllTrustManager()}, null);
        assertThat(context.getProvider().getName()).isEqualTo("SunJSSE");
        var tls = (SSLSocket) context.getSocketFactory().createSocket(plain, HOST, plain.getPort(), true);
        tls.startHandshake();
        return tls;
    }

    private static TlsConnection echoOneLine(TlsConnection tls) throws IOException {
        String line = readLine(tls.socket());
        tls.socket().getOutputStream().write(("echo: " + line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        tls.socket().getOutputStream().flush();
        return tls;
    }

    /** Byte by byte, so that nothing after the line is consumed (as an SMTP server must before STARTTLS). */
    private static String readLine(Socket socket) throws IOException {
        var line = new ByteArrayOutputStream();
        var in = socket.getInputStream();
        for (int b; (b = in.read()) != '\n'; ) {
            if (b < 0) {
                throw new IOException("end of stream in a line");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.US_ASCII);
    }

    /** A minimal ClientHello for TLS 1.1 with ECDHE and CBC suites, as an old peer sends. */
    private static byte[] tls11ClientHello() throws IOException {
        var body = new ByteArrayOutputStream();
        var hello = new DataOutputStream(body);
        hello.writeShort(0x0302); // client_version TLS 1.1
        hello.write(new byte[32]); // random
        hello.writeByte(0); // no session id
        hello.writeShort(6);
        hello.writeShort(0xc009); // TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA
        hello.writeShort(0xc013); // TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA
        hello.writeShort(0x002f); // TLS_RSA_WITH_AES_128_CBC_SHA
        hello.writeByte(1);
        hello.writeByte(0); // null compression
        hello.writeShort(14); // extensions
        hello.writeShort(0x000a); // supported_groups: secp256r1
        hello.writeShort(4);
        hello.writeShort(2);
        hello.writeShort(0x0017);
        hello.writeShort(0x000b); // ec_point_formats: uncompressed
        hello.writeShort(2);
        hello.writeByte(1);
        hello.writeByte(0);

        var record = new ByteArrayOutputStream();
        var out = new DataOutputStream(record);
        out.writeByte(22); // handshake
        out.writeShort(0x0301);
        out.writeShort(body.size() + 4);
        out.writeByte(1); // client_hello
        out.writeByte(0);
        out.writeShort(body.size());
        body.writeTo(out);
        return record.toByteArray();
    }
}
