package org.postloom.smtp;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Optional;
import org.postloom.mail.Mailbox;

/**
 * SMTP AUTH decisions as the session needs them (RFC 4954): whether AUTH is offered, whether a
 * user's credentials hold, and which envelope senders the user may use. The protocol owns this
 * interface; the users file and its throttle implement it.
 */
public interface Authentication {

    /** The answer to one attempt: who, if anyone, and how long to wait before replying. */
    record Verdict(Optional<String> user, Duration delay) {}

    /** AUTH switched off: not advertised, not accepted. */
    Authentication NONE = new Authentication() {
        @Override
        public boolean enabled() {
            return false;
        }

        @Override
        public Verdict check(InetAddress client, String user, char[] password) {
            return new Verdict(Optional.empty(), Duration.ZERO);
        }

        @Override
        public boolean maySendAs(String user, Mailbox sender) {
            return true;
        }
    };

    boolean enabled();

    Verdict check(InetAddress client, String user, char[] password);

    /** Whether the user may use this envelope sender. */
    boolean maySendAs(String user, Mailbox sender);
}
