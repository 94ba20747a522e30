package org.postloom.tls;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.util.Timeout;

/**
 * HTTPS for policy work: MTA-STS policy fetches (RFC 8461 3.3) and TLS-RPT submissions (RFC 8460
 * 5.4). Host names are resolved through Postloom's configured resolvers, never the system's
 * (Apache HttpClient takes a {@link DnsResolver}, the JDK's client does not); certificates are
 * checked against {@link TrustRoots} and the host name (RFC 6125); redirects are not followed
 * (RFC 8461 3.3: "MUST NOT follow"). Thread-safe.
 */
public final class PolicyHttp implements AutoCloseable {

    /** A GET answered: status, media type (parameters dropped), and the body up to the limit. */
    public record Response(int status, String mediaType, String body) {}

    /** The response was bigger than allowed. */
    public static final class TooLarge extends IOException {
        TooLarge(String message) {
            super(message);
        }
    }

    private final CloseableHttpClient client;

    /**
     * @param addresses a host's addresses ({@code PolicyDns::addresses}); empty means it has none
     * @param timeout   for the connection, the handshake and each read
     */
    public PolicyHttp(Function<String, List<InetAddress>> addresses, TrustRoots roots, Duration timeout) {
        Timeout t = Timeout.of(timeout);
        DnsResolver resolver = new DnsResolver() {
            @Override
            public InetAddress[] resolve(String host) throws UnknownHostException {
                List<InetAddress> found = addresses.apply(host);
                if (found.isEmpty()) throw new UnknownHostException(host + ": no address through the configured resolvers");
                return found.toArray(InetAddress[]::new);
            }

            @Override
            public String resolveCanonicalHostname(String host) {
                return host;
            }
        };
        var connections = PoolingHttpClientConnectionManagerBuilder.create()
                .setDnsResolver(resolver)
                .setTlsSocketStrategy(new DefaultClientTlsStrategy(roots.httpsContext()))
                .setDefaultConnectionConfig(ConnectionConfig.custom().setConnectTimeout(t).setSocketTimeout(t).build())
                .build();
        client = HttpClients.custom().setConnectionManager(connections)
                .disableRedirectHandling().disableAutomaticRetries().disableCookieManagement().disableAuthCaching()
                .setDefaultRequestConfig(RequestConfig.custom().setResponseTimeout(t).build())
                .setUserAgent("Postloom").build();
    }

    /** GET {@code uri}; a body over {@code limit} bytes is an error (RFC 8461 3.3 suggests a bound). */
    public Response get(URI uri, int limit) throws IOException {
        return client.execute(new HttpGet(uri), response -> {
            var entity = response.getEntity();
            String body = "";
            if (entity != null) {
                try (InputStream in = entity.getContent()) {
                    byte[] bytes = in.readNBytes(limit + 1);
                    if (bytes.length > limit) throw new TooLarge("more than " + limit + " bytes from " + uri);
                    body = new String(bytes, StandardCharsets.UTF_8);
                }
            }
            ContentType type = entity == null ? null : ContentType.parseLenient(entity.getContentType());
            return new Response(response.getCode(), type == null ? "" : type.getMimeType(), body);
        });
    }

    /** POST {@code body} as {@code mediaType}; returns the status (RFC 8460 5.4: 2xx is success). */
    public int post(URI uri, String mediaType, byte[] body) throws IOException {
        HttpPost post = new HttpPost(uri);
        post.setEntity(new ByteArrayEntity(body, ContentType.create(mediaType)));
        return client.execute(post, response -> response.getCode());
    }

    @Override
    public void close() throws IOException {
        client.close();
    }
}
