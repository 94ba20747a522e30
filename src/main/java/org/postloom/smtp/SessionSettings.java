package org.postloom.smtp;

/**
 * The limits and identity one session works with; the same for every session of a listener.
 *
 * @param hostname       our name in the greeting, EHLO and Received (RFC 5321 4.1.3)
 * @param sizeLimit      the largest message accepted, in octets, advertised by SIZE (RFC 1870)
 * @param maxRecipients  recipients per transaction; the excess get 452 4.5.3 (RFC 5321 4.5.3.1.8)
 * @param maxErrors      errors before the client is cut off with 421 4.7.0
 * @param tlsAvailable   whether STARTTLS can be offered (key material is loaded)
 * @param relay          who may relay where
 * @param auth           SMTP AUTH (RFC 4954), or {@link Authentication#NONE}
 */
public record SessionSettings(
        String hostname,
        long sizeLimit,
        int maxRecipients,
        int maxErrors,
        boolean tlsAvailable,
        RelayPolicy relay,
        Authentication auth) {

    /** Without AUTH. */
    public SessionSettings(String hostname, long sizeLimit, int maxRecipients, int maxErrors, boolean tlsAvailable,
                           RelayPolicy relay) {
        this(hostname, sizeLimit, maxRecipients, maxErrors, tlsAvailable, relay, Authentication.NONE);
    }
}
