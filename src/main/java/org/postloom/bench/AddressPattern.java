package org.postloom.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * A sender or recipient address with placeholders: {@code {n}} the message number (from 0),
 * {@code {s}} the session number, {@code {r}} the recipient's index in the message, {@code {d}}
 * the recipient domain number (1..domains). Parsed once; expanding it only appends.
 */
record AddressPattern(String source, List<Object> parts) {

    enum Field { MESSAGE, SESSION, RECIPIENT, DOMAIN }

    AddressPattern {
        parts = List.copyOf(parts);
    }

    static AddressPattern parse(String source) {
        List<Object> parts = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        int i = 0;
        while (i < source.length()) {
            char c = source.charAt(i);
            if (c == '{') {
                int close = source.indexOf('}', i);
                if (close < 0) throw new IllegalArgumentException("unclosed '{' in " + source);
                Field field = switch (source.substring(i + 1, close)) {
                    case "n" -> Field.MESSAGE;
                    case "s" -> Field.SESSION;
                    case "r" -> Field.RECIPIENT;
                    case "d" -> Field.DOMAIN;
                    default -> throw new IllegalArgumentException("unknown placeholder " + source.substring(i, close + 1)
                            + " in " + source + " (known: {n} {s} {r} {d})");
                };
                if (!literal.isEmpty()) parts.add(literal.toString());
                literal.setLength(0);
                parts.add(field);
                i = close + 1;
            } else {
                if (c <= ' ' || c == '<' || c == '>' || c >= 127) {
                    throw new IllegalArgumentException("address pattern " + source + " has a space, control, '<', '>' or non-ASCII character");
                }
                literal.append(c);
                i++;
            }
        }
        if (!literal.isEmpty()) parts.add(literal.toString());
        if (!source.contains("@")) throw new IllegalArgumentException("address pattern " + source + " has no '@'");
        return new AddressPattern(source, parts);
    }

    String expand(long message, int session, int recipient, int domain) {
        StringBuilder out = new StringBuilder(source.length() + 16);
        for (Object part : parts) {
            if (part instanceof Field field) {
                out.append(switch (field) {
                    case MESSAGE -> message;
                    case SESSION -> session;
                    case RECIPIENT -> recipient;
                    case DOMAIN -> domain;
                });
            } else {
                out.append((String) part);
            }
        }
        return out.toString();
    }

    /**
     * The domain number (1..domains) of recipient {@code r} of message {@code n}: consecutive
     * recipients walk the domains round robin, so every domain gets the same share.
     */
    static int domainOf(long message, int recipient, int recipientsPerMessage, int domains) {
        return (int) ((message * recipientsPerMessage + recipient) % domains) + 1;
    }
}
