package org.postloom.events;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The one place that says why a remote reply failed, as a {@link BounceClass}: first the rules
 * (regexes over "code status text", an operator's file before the built-in table of common
 * provider replies in {@code bounce-rules.tsv}), then the enhanced status code alone (RFC 3463's
 * subjects and details, RFC 7372 for authentication).
 */
public final class BounceClassifier {

    private static final String BUILT_IN = "bounce-rules.tsv";

    private record Rule(BounceClass bounceClass, Pattern pattern) {}

    private final List<Rule> rules;

    private BounceClassifier(List<Rule> rules) {
        this.rules = List.copyOf(rules);
    }

    /** The built-in table alone. */
    public static BounceClassifier builtIn() {
        return withOperatorRules(Optional.empty());
    }

    /**
     * The operator's rules (same format as the built-in table) ahead of the built-in ones. A bad
     * line stops the start with a message naming the file, the line and the setting.
     */
    public static BounceClassifier withOperatorRules(Optional<Path> file) {
        List<Rule> rules = new ArrayList<>();
        file.ifPresent(f -> {
            try (InputStream in = Files.newInputStream(f)) {
                rules.addAll(parse(in, "postloom.events.bounce-classes-file " + f));
            } catch (IOException e) {
                throw new IllegalArgumentException("postloom.events.bounce-classes-file: cannot read " + f + ": " + e.getMessage());
            }
        });
        try (InputStream in = BounceClassifier.class.getResourceAsStream(BUILT_IN)) {
            rules.addAll(parse(in, BUILT_IN));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new BounceClassifier(rules);
    }

    private static List<Rule> parse(InputStream in, String source) throws IOException {
        List<Rule> out = new ArrayList<>();
        var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        int number = 0;
        for (String line; (line = reader.readLine()) != null; ) {
            number++;
            if (line.isBlank() || line.startsWith("#")) continue;
            int tab = line.indexOf('\t');
            String where = source + " line " + number;
            if (tab < 0) throw new IllegalArgumentException(where + ": expected <class> TAB <regex>");
            String name = line.substring(0, tab);
            BounceClass bounceClass = BounceClass.ofWireName(name)
                    .orElseThrow(() -> new IllegalArgumentException(where + ": unknown bounce class " + name));
            try {
                out.add(new Rule(bounceClass, Pattern.compile(line.substring(tab + 1).strip(), Pattern.CASE_INSENSITIVE)));
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException(where + ": bad regex: " + e.getDescription());
            }
        }
        return out;
    }

    /**
     * The class of one reply.
     *
     * @param code   the three-digit reply code
     * @param status the enhanced status ({@code 5.1.1}), or empty when the reply carried none
     * @param text   the reply's text, lines joined by a space
     */
    public BounceClass classify(int code, String status, String text) {
        String whole = code + " " + status + " " + text;
        for (Rule rule : rules) {
            if (rule.pattern().matcher(whole).find()) return rule.bounceClass();
        }
        return byStatus(code, status);
    }

    /** RFC 3463 section 3 (subject.detail), with RFC 7372 for the 7.2x authentication details. */
    static BounceClass byStatus(int code, String status) {
        String[] parts = status.split("\\.");
        if (parts.length != 3) return code == 552 ? BounceClass.MAILBOX_FULL : BounceClass.OTHER;
        int subject;
        int detail;
        try {
            subject = Integer.parseInt(parts[1]);
            detail = Integer.parseInt(parts[2]);
        } catch (NumberFormatException e) {
            return BounceClass.OTHER;
        }
        return switch (subject) {
            case 1 -> switch (detail) {
                case 1, 3, 6 -> BounceClass.INVALID_RECIPIENT;  // bad mailbox, bad syntax, moved
                case 2 -> BounceClass.DNS_FAILURE;               // bad destination system
                case 10 -> BounceClass.ROUTING;                  // null MX (RFC 7505)
                default -> BounceClass.OTHER;
            };
            case 2 -> switch (detail) {
                case 1 -> BounceClass.INVALID_RECIPIENT;         // mailbox disabled
                case 2 -> BounceClass.MAILBOX_FULL;
                case 3 -> BounceClass.MESSAGE_TOO_LARGE;
                default -> BounceClass.OTHER;
            };
            case 3 -> detail == 4 ? BounceClass.MESSAGE_TOO_LARGE : BounceClass.OTHER;
            case 4 -> switch (detail) {
                case 3 -> BounceClass.DNS_FAILURE;
                case 7 -> BounceClass.EXPIRED;
                default -> BounceClass.ROUTING;                  // no answer, bad connection, loop
            };
            case 5 -> BounceClass.PROTOCOL_ERROR;
            case 6 -> BounceClass.CONTENT_REJECTED;
            case 7 -> switch (detail) {
                case 1 -> BounceClass.REPUTATION;                // delivery not authorized
                case 4, 5, 10, 11 -> BounceClass.TLS_FAILURE;    // security features, crypto, encryption
                case 8, 9, 20, 21, 22, 23, 24, 25, 26 -> BounceClass.AUTHENTICATION;
                case 28 -> BounceClass.RATE_LIMITED;
                default -> BounceClass.CONTENT_REJECTED;
            };
            default -> BounceClass.OTHER;
        };
    }
}
