package org.postloom.delivery.client;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.util.List;
import javax.net.ssl.SSLException;
import org.postloom.delivery.client.Outcome.Scope;
import org.postloom.smtp.Reply;
import org.postloom.tls.TlsResult;
import org.postloom.smtp.ReplyReader;

/**
 * Every judgement of the client in one place (after Postfix's {@code smtp_trouble.c}): how far a
 * reply or an I/O failure reaches (site, message, recipient) and whether it is soft or hard, and the
 * replies the client makes itself, each with our own enhanced status code (RFC 3463). The client
 * judges one attempt; whether and when to try again is the scheduler's business.
 */
final class ReplyClassifier {

    private ReplyClassifier() {
    }

    /**
     * A reply that refused what it answered. 5xx is permanent; anything else that is not the
     * expected success (4xx, or a 2xx/3xx out of place) is transient. 421 means the server is
     * closing the connection (RFC 5321 3.8): that concerns the site, whatever command it answered.
     */
    static Outcome refused(Reply reply, Scope scope) {
        Scope reach = reply.code() == 421 ? Scope.SITE : scope;
        Reply withStatus = reply.withDefaultStatus();
        return reply.isPermanent() ? new Outcome.Failed(withStatus, reach, true) : new Outcome.Deferred(withStatus, reach, true);
    }

    /**
     * The reply after the end of data (or BDAT LAST), for each recipient whose RCPT was accepted.
     *
     * @param dsnPassedOn whether the server offered DSN and so took NOTIFY and ORCPT with the mail
     */
    static Outcome afterData(Reply reply, boolean dsnPassedOn) {
        return reply.isSuccess() ? new Outcome.Delivered(reply, dsnPassedOn) : refused(reply, Scope.MESSAGE);
    }

    /**
     * RFC 8689 4.2.1: a REQUIRETLS message may go only over TLS to an authenticated server that
     * offers REQUIRETLS; otherwise it is returned at once (5.7.30), since waiting would not help.
     */
    static Outcome requireTlsUnmet(String why) {
        return new Outcome.Failed(Reply.of(550, "5.7.30", "REQUIRETLS support required: " + why), Scope.MESSAGE);
    }

    /**
     * The connection failed (refused, timed out, dropped, garbled): always transient and of the
     * site. After the final dot this may deliver the message twice, the accepted trade-off of SMTP
     * (RFC 1047): the server may have taken it before the connection broke, but a loss is worse.
     */
    static Outcome connectionFailed(IOException failure, String during) {
        return new Outcome.Deferred(localReply(failure, during), Scope.SITE);
    }

    static Reply localReply(IOException failure, String during) {
        return switch (failure) {
            case ConnectException e -> Reply.of(421, "4.4.1", "Connection refused " + during + ": " + e.getMessage());
            case NoRouteToHostException e -> Reply.of(421, "4.4.1", "No route to host " + during);
            case SocketTimeoutException e -> Reply.of(421, "4.4.1", "No answer (timed out) " + during);
            case EOFException e -> Reply.of(421, "4.4.2", "Connection closed by the server " + during);
            case ReplyReader.MalformedReplyException e -> Reply.of(421, "4.5.0", "Protocol error " + during + ": " + e.getMessage());
            case SSLException e -> Reply.of(421, "4.7.5", "TLS failed " + during + ": " + e.getMessage());
            default -> Reply.of(421, "4.4.2", "Connection lost " + during + ": " + failure.getMessage());
        };
    }

    /** Our spool failed us mid-transaction: nothing is wrong with the site, try the message later. */
    static Outcome bodyUnreadable(IOException failure) {
        return new Outcome.Deferred(Reply.of(451, "4.3.0", "Cannot read the queued message: " + failure.getMessage()),
                Scope.MESSAGE);
    }

    /** RFC 1870 6.1: the server declared a limit this message exceeds; nothing was sent. */
    static Outcome tooBig(long octets, long limit) {
        return new Outcome.Failed(Reply.of(552, "5.3.4",
                "Message size " + octets + " exceeds the server's limit of " + limit), Scope.MESSAGE);
    }

    /** RFC 6531 3.4: a message that needs SMTPUTF8 cannot go to a server that lacks it. */
    static Outcome needsSmtpUtf8() {
        return new Outcome.Failed(Reply.of(553, "5.6.7",
                "Message needs SMTPUTF8, which the server does not offer"), Scope.MESSAGE);
    }

    /** Our policy wants TLS and the server cannot give it: try later or elsewhere. */
    static Outcome tlsNotOffered(String why) {
        return new Outcome.Deferred(Reply.of(421, "4.7.4", "TLS is required, but " + why), Scope.SITE);
    }

    /** RFC 3463 4.7.5 (cryptographic failure): the host's certificate did not meet its policy. */
    static Outcome tlsHandshakeFailed(TlsResult tls, String host) {
        String why = tls.failure().map(f -> f.type().word() + ": " + f.reason()).orElse("handshake failed");
        return new Outcome.Deferred(Reply.of(421, "4.7.5", "TLS policy " + tls.policy().word() + " not met by " + host
                + ": " + why), Scope.SITE);
    }

    /** The policy forbids this host before any connection (no usable TLSA answer, not in MTA-STS mx). */
    static Outcome tlsPolicyRefused(TlsResult tls) {
        String why = tls.failure().map(f -> f.type().word() + ": " + f.reason()).orElse("refused");
        return new Outcome.Deferred(Reply.of(421, "4.7.5", "TLS policy " + tls.policy().word() + ": " + why), Scope.SITE);
    }

    /**
     * After every host failed. A TLS policy not met (MTA-STS, DANE, require-verified-tls) belongs
     * to the recipient domain, not to the site: the hosts answer, and the site's other domains may
     * have other policies. Such a deferral concerns the message, so the egress path is not backed
     * off; every other failure stays the site's.
     */
    static Outcome noHostTookIt(Outcome lastHost, TlsResult tls) {
        boolean policyUnmet = tls != null && tls.failure().isPresent();
        return policyUnmet && lastHost instanceof Outcome.Deferred d ? new Outcome.Deferred(d.reply(), Scope.MESSAGE, d.fromServer()) : lastHost;
    }

    /** The server said something we did not ask for where no server may speak first. */
    static Outcome protocolError(String what) {
        return new Outcome.Deferred(Reply.of(421, "4.5.0", "Protocol error: " + what), Scope.SITE);
    }
}
