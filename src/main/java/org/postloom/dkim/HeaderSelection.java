package org.postloom.dkim;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which header fields a signature covers ({@code h=}) and their canonical bytes, in that order.
 *
 * @param names     the {@code h=} list
 * @param canonical the canonical form of the fields it names (RFC 6376 3.7), without the signature field
 */
record HeaderSelection(List<String> names, byte[] canonical) {

    /**
     * Every configured field the message has, once per occurrence, plus From one extra time: an
     * h= entry without a field to match signs its absence (RFC 6376 5.4.2, "over-signing"), so
     * nobody can add a second From that a reader might show. Fields of one name are taken from
     * the bottom up (5.4.2), as the verifier will.
     */
    static HeaderSelection of(List<HeaderField> fields, List<String> configured, Canonicalization c) {
        // Case-insensitive, so the configured names need no lowercase copy for every message.
        Map<String, List<HeaderField>> byName = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        fields.forEach(f -> byName.computeIfAbsent(f.name(), n -> new ArrayList<>(1)).add(f));
        var names = new ArrayList<String>();
        var canonical = new ByteArrayOutputStream(1024);
        for (String name : configured) {
            List<HeaderField> present = byName.getOrDefault(name, List.of());
            for (int i = present.size() - 1; i >= 0; i--) {
                names.add(name);
                canonical.writeBytes(c.header(present.get(i).raw()));
            }
            if (name.equalsIgnoreCase("from")) names.add(name);
        }
        return new HeaderSelection(List.copyOf(names), canonical.toByteArray());
    }
}
