package org.postloom.smtp;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import org.postloom.mail.DsnRequest;
import org.postloom.mail.RecipientDsn;
import org.postloom.mail.RecipientDsn.Notify;
import org.postloom.mail.Xtext;

/**
 * The parameters of the DSN extension (RFC 3461 4) and of REQUIRETLS (RFC 8689 4.1), with strict
 * syntax: a bad value is refused with 501 5.5.4 rather than guessed at, since the client relies on
 * what it asked for (a NOTIFY=NEVER taken as FAILURE would send the report it did not want).
 */
final class DsnParameters {

    /** RFC 3461 4.4: ENVID is at most 100 characters. */
    static final int MAX_ENVID = 100;
    /** RFC 3461 4.2: ORCPT's value is at most 500 characters. */
    static final int MAX_ORCPT = 500;

    private DsnParameters() {}

    /** RET, ENVID and REQUIRETLS of one MAIL command, taken one parameter at a time. */
    static final class ForMail {
        private final boolean secure;
        private DsnRequest.Return ret = DsnRequest.Return.UNSPECIFIED;
        private String envelopeId = "";
        private boolean requireTls;

        /** @param secure whether the session is inside TLS: REQUIRETLS is offered only there (RFC 8689 4) */
        ForMail(boolean secure) {
            this.secure = secure;
        }

        /** Takes one parameter whose keyword is RET, ENVID or REQUIRETLS; returns the refusal, or null. */
        Reply accept(String keyword, String value) {
            switch (keyword) {
                case "RET" -> {
                    if ("FULL".equalsIgnoreCase(value)) ret = DsnRequest.Return.FULL;
                    else if ("HDRS".equalsIgnoreCase(value)) ret = DsnRequest.Return.HDRS;
                    else return Reply.of(501, "5.5.4", "Bad RET parameter (FULL or HDRS, RFC 3461 4.3)");
                }
                case "ENVID" -> {
                    if (value == null || value.length() > MAX_ENVID || !Xtext.isValid(value, false)) {
                        return Reply.of(501, "5.5.4", "Bad ENVID parameter (xtext of at most 100 characters, RFC 3461 4.4)");
                    }
                    envelopeId = value;
                }
                case "REQUIRETLS" -> {
                    if (!secure) return Reply.of(555, "5.5.4", "REQUIRETLS only inside TLS (RFC 8689 4)");
                    if (value != null) return Reply.of(501, "5.5.4", "REQUIRETLS takes no value");
                    requireTls = true;
                }
                default -> throw new IllegalArgumentException("not a DSN or REQUIRETLS parameter: " + keyword);
            }
            return null;
        }

        DsnRequest request() {
            return new DsnRequest(ret, envelopeId);
        }

        boolean requireTls() {
            return requireTls;
        }
    }

    /**
     * RCPT's parameters: NOTIFY and ORCPT, nothing else.
     *
     * @param smtpUtf8 whether MAIL carried SMTPUTF8, which allows a UTF-8 ORCPT (RFC 6533 3)
     */
    static RecipientDsn forRcpt(Map<String, String> parameters, boolean smtpUtf8) throws SyntaxError {
        var notify = EnumSet.noneOf(Notify.class);
        String original = "";
        for (Map.Entry<String, String> p : parameters.entrySet()) {
            switch (p.getKey()) {
                case "NOTIFY" -> notify = notify(p.getValue());
                case "ORCPT" -> original = originalRecipient(p.getValue(), smtpUtf8);
                default -> throw new SyntaxError(555, "5.5.4", "Unsupported parameter " + p.getKey());
            }
        }
        return notify.isEmpty() && original.isEmpty() ? RecipientDsn.NONE : new RecipientDsn(notify, original);
    }

    // Built once, not per RCPT: a SyntaxError carries no stack trace and its reply is immutable.
    private static final SyntaxError BAD_NOTIFY =
            new SyntaxError(501, "5.5.4", "Bad NOTIFY parameter (NEVER, or SUCCESS,FAILURE,DELAY, RFC 3461 4.1)");
    private static final SyntaxError BAD_ORCPT =
            new SyntaxError(501, "5.5.4", "Bad ORCPT parameter (addr-type;xtext of at most 500 characters, RFC 3461 4.2)");

    /** RFC 3461 4.1: NEVER alone, or a list of SUCCESS, FAILURE and DELAY, each once. */
    private static EnumSet<Notify> notify(String value) throws SyntaxError {
        var bad = BAD_NOTIFY;
        if (value == null) throw bad;
        var out = EnumSet.noneOf(Notify.class);
        for (String word : value.split(",", -1)) {
            Notify n;
            try {
                n = Notify.valueOf(word.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw bad;
            }
            if (!out.add(n)) throw bad;
        }
        if (out.contains(Notify.NEVER) && out.size() > 1) throw bad;
        return out;
    }

    /** RFC 3461 4.2: {@code addr-type ";" xtext}, the type an atom, the whole at most 500 characters. */
    private static String originalRecipient(String value, boolean smtpUtf8) throws SyntaxError {
        var bad = BAD_ORCPT;
        if (value == null || value.length() > MAX_ORCPT) throw bad;
        int semicolon = value.indexOf(';');
        if (semicolon <= 0 || semicolon == value.length() - 1) throw bad;
        String type = value.substring(0, semicolon);
        if (!type.chars().allMatch(DsnParameters::isAtext)) throw bad;
        boolean utf8 = smtpUtf8 && type.equalsIgnoreCase("utf-8");
        if (!Xtext.isValid(value.substring(semicolon + 1), utf8)) throw bad;
        return value;
    }

    private static boolean isAtext(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "!#$%&'*+-/=?^_`{|}~".indexOf(c) >= 0;
    }
}
