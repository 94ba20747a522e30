package org.postloom.auth;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import org.postloom.mail.Mailbox;
import org.postloom.smtp.Authentication;

/**
 * Decides SMTP AUTH (RFC 4954): checks a user's password against the users file, slows down
 * guessing from an address that keeps failing, and says which senders a user may use.
 */
public final class Authenticator implements Authentication {

    private static final System.Logger LOG = System.getLogger("org.postloom.auth");

    private final UsersFile users;
    private final FailureThrottle throttle;

    public Authenticator(UsersFile users, FailureThrottle throttle) {
        this.users = users;
        this.throttle = throttle;
    }

    @Override
    public boolean enabled() {
        return users != null;
    }

    @Override
    public Verdict check(InetAddress client, String user, char[] password) {
        boolean ok = enabled() && users.find(user).map(u -> PasswordHash.matches(u.hash(), password)).orElse(false);
        if (ok) {
            throttle.succeeded(client);
            LOG.log(System.Logger.Level.INFO, "auth=ok user=" + user + " client=" + client.getHostAddress());
            return new Verdict(Optional.of(user), Duration.ZERO);
        }
        Duration delay = throttle.failed(client);
        LOG.log(System.Logger.Level.WARNING, "auth=failed user=" + printable(user) + " client=" + client.getHostAddress()
                + " delay=" + delay.toMillis() + "ms");
        return new Verdict(Optional.empty(), delay);
    }

    /** Whether the user may use this envelope sender; a user without a senders list may use any. */
    @Override
    public boolean maySendAs(String user, Mailbox sender) {
        if (sender.isNull() || !enabled()) return true;
        return users.find(user).map(u -> u.senders().isEmpty() || u.senders().stream().anyMatch(allowed -> {
            String a = allowed.toLowerCase(Locale.ROOT);
            String s = sender.toString().toLowerCase(Locale.ROOT);
            return a.startsWith("@") ? s.endsWith(a) : a.equals(s);
        })).orElse(false);
    }

    private static String printable(String s) {
        return s.replaceAll("[^\\x21-\\x7e]", "?");
    }
}
