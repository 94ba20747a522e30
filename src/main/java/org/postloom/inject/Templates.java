package org.postloom.inject;

import com.samskivert.mustache.BasicCollector;
import com.samskivert.mustache.Escapers;
import com.samskivert.mustache.Mustache;
import com.samskivert.mustache.MustacheException;
import com.samskivert.mustache.Template;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Mustache templates of a request (jmustache). Values come from JSON only, so the collector looks
 * into maps and lists and never calls methods on objects by reflection ({{x.class}} finds
 * nothing). A name without a value is an error, not an empty string: mail with a hole where the
 * customer's name should be is worse than a 400. A section of a missing name is simply false.
 */
final class Templates {

    private static final Mustache.Collector JSON_ONLY = new BasicCollector() {
        @Override
        public <K, V> Map<K, V> createFetcherCache() {
            return new ConcurrentHashMap<>();
        }
    };
    private static final Mustache.Compiler PLAIN = Mustache.compiler().withCollector(JSON_ONLY).withEscaper(Escapers.NONE);
    private static final Mustache.Compiler HTML = Mustache.compiler().withCollector(JSON_ONLY).withEscaper(Escapers.HTML);

    private Templates() {}

    /** A compiled template and the request field it came from, for error messages. */
    record Text(String field, Template template) {

        /** The text for one recipient; a 400 naming the field and the recipient when a value is missing. */
        String render(Map<String, Object> values, String recipientField) throws Refusal {
            try {
                return template.execute(values);
            } catch (MustacheException e) {
                throw Refusal.badRequest(field + ": template error for " + recipientField + ": " + e.getMessage());
            }
        }

        /** The text of a header field: a value that brought a line break would begin a field of its own. */
        String renderLine(Map<String, Object> values, String recipientField) throws Refusal {
            String line = render(values, recipientField);
            if (line.indexOf('\r') >= 0 || line.indexOf('\n') >= 0) {
                throw Refusal.badRequest(field + ": for " + recipientField + ", a value put CR or LF into the header field");
            }
            return line;
        }
    }

    /** Compiles {@code source}; {{x}} escapes HTML when {@code html}, {{{x}}} never does. */
    static Text compile(String field, String source, boolean html) throws Refusal {
        try {
            return new Text(field, (html ? HTML : PLAIN).compile(source));
        } catch (MustacheException e) {
            throw Refusal.badRequest(field + ": template error: " + e.getMessage());
        }
    }
}
