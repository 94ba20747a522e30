package org.postloom.mail;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What the client asked of notifications for one recipient (RFC 3461 4.1, 4.2).
 *
 * @param notifications         the NOTIFY keywords; empty when NOTIFY was absent (RFC 3461 4.1: then
 *                         as if FAILURE,DELAY)
 * @param originalRecipient ORCPT exactly as received, {@code addr-type;xtext} (passed on
 *                          unchanged); empty when absent
 */
public record RecipientDsn(Set<Notify> notifications, String originalRecipient) {

    /** No NOTIFY, no ORCPT. */
    public static final RecipientDsn NONE = new RecipientDsn(Set.of(), "");

    public enum Notify { NEVER, SUCCESS, FAILURE, DELAY }

    public RecipientDsn {
        notifications = notifications.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(notifications));
        Objects.requireNonNull(originalRecipient);
    }

    public boolean wantsSuccess() {
        return notifications.contains(Notify.SUCCESS);
    }

    public boolean wantsFailure() {
        return notifications.isEmpty() || notifications.contains(Notify.FAILURE);
    }

    public boolean wantsDelay() {
        return notifications.isEmpty() || notifications.contains(Notify.DELAY);
    }

    /** NOTIFY's value as it goes on the wire, e.g. {@code SUCCESS,FAILURE}; empty when absent. */
    public String notifyValue() {
        return notifications.stream().sorted().map(Enum::name).collect(Collectors.joining(","));
    }

    /** ORCPT's address type in lower case ({@code rfc822}, {@code utf-8}); empty when absent. */
    public String originalRecipientType() {
        int semicolon = originalRecipient.indexOf(';');
        return semicolon < 0 ? "" : originalRecipient.substring(0, semicolon).toLowerCase(Locale.ROOT);
    }

    /** ORCPT's address decoded from xtext, for {@code Original-Recipient} (RFC 3464 2.3.1). */
    public String decodedOriginalRecipient() {
        int semicolon = originalRecipient.indexOf(';');
        return semicolon < 0 ? "" : Xtext.decode(originalRecipient.substring(semicolon + 1));
    }
}
