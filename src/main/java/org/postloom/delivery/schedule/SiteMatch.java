package org.postloom.delivery.schedule;

import java.util.Locale;

/**
 * Which sites a shaping entry or a rule is for: {@code *} (all), a recipient domain
 * ({@code gmail.com}: the site that domain's mail goes to) or, with a leading dot, a suffix of the
 * site's MX host names ({@code .google.com}: every Google-hosted domain).
 */
public record SiteMatch(String text) {

    public static final SiteMatch ANY = new SiteMatch("*");

    public SiteMatch {
        text = text.strip().toLowerCase(Locale.ROOT);
        if (text.isEmpty() || text.equals(".")) throw new IllegalArgumentException("'" + text + "' names no site");
    }

    boolean isSuffix() {
        return text.startsWith(".");
    }

    /** More specific matches win: a domain over any suffix, a longer suffix over a shorter one. */
    int specificity() {
        return text.equals("*") ? 0 : isSuffix() ? text.length() : Integer.MAX_VALUE;
    }

    boolean matches(Site<?> site) {
        if (text.equals("*")) return true;
        if (isSuffix()) return site.mx().stream().anyMatch(host -> (host.toLowerCase(Locale.ROOT)).endsWith(text))
                || site.mx().isEmpty() && site.name().endsWith(text);
        return site.hasDomain(text);
    }
}
