package org.postloom.delivery.client;

import java.net.InetAddress;
import java.util.Objects;
import java.util.Optional;
import org.postloom.tls.ClientTls;

/**
 * How outbound connections behave; the same for all connections of a destination.
 *
 * @param ehloName    our name in EHLO/HELO (RFC 5321 4.1.1.1): {@code postloom.hostname}
 * @param tlsPolicy   what to do about STARTTLS
 * @param timeouts    per-step limits (RFC 5321 4.5.3.2)
 * @param chunking    send with BDAT (RFC 3030) when the server offers CHUNKING, instead of DATA
 * @param bindAddress the local address to connect from (Postfix's {@code smtp_bind_address}); empty
 *                    lets the system choose
 * @param verifier    the TLS client of {@link TlsPolicy#REQUIRED_VERIFIED} when it should trust other
 *                    anchors than the JDK's; empty = the JDK's roots
 */
public record ClientSettings(String ehloName, TlsPolicy tlsPolicy, ClientTimeouts timeouts, boolean chunking,
                             Optional<InetAddress> bindAddress, Optional<ClientTls> verifier) {

    public ClientSettings {
        Objects.requireNonNull(ehloName);
        if (ehloName.isBlank() || ehloName.contains(" ")) throw new IllegalArgumentException("EHLO name: " + ehloName);
        Objects.requireNonNull(tlsPolicy);
        Objects.requireNonNull(timeouts);
        Objects.requireNonNull(bindAddress);
        Objects.requireNonNull(verifier);
        if (verifier.isPresent() && !verifier.get().verifiesPeer()) throw new IllegalArgumentException("verifier must verify");
    }

    public ClientSettings(String ehloName, TlsPolicy tlsPolicy, ClientTimeouts timeouts, boolean chunking,
                          Optional<InetAddress> bindAddress) {
        this(ehloName, tlsPolicy, timeouts, chunking, bindAddress, Optional.empty());
    }

    public ClientSettings withVerifier(ClientTls verifying) {
        return new ClientSettings(ehloName, tlsPolicy, timeouts, chunking, bindAddress, Optional.of(verifying));
    }

    /** Opportunistic TLS, RFC 5321 timeouts, DATA rather than BDAT, any local address. */
    public static ClientSettings defaults(String ehloName) {
        return new ClientSettings(ehloName, TlsPolicy.OPPORTUNISTIC, ClientTimeouts.rfc5321(), false, Optional.empty());
    }

    public ClientSettings withTlsPolicy(TlsPolicy policy) {
        return new ClientSettings(ehloName, policy, timeouts, chunking, bindAddress, verifier);
    }

    public ClientSettings withTimeouts(ClientTimeouts newTimeouts) {
        return new ClientSettings(ehloName, tlsPolicy, newTimeouts, chunking, bindAddress, verifier);
    }

    public ClientSettings withChunking(boolean useChunking) {
        return new ClientSettings(ehloName, tlsPolicy, timeouts, useChunking, bindAddress, verifier);
    }

    public ClientSettings withEhloName(String name) {
        return new ClientSettings(name, tlsPolicy, timeouts, chunking, bindAddress);
    }

    public ClientSettings withBindAddress(InetAddress address) {
        return new ClientSettings(ehloName, tlsPolicy, timeouts, chunking, Optional.of(address), verifier);
    }
}
