package org.postloom.config;

/** Helpers for the keys of map-valued settings. */
public final class MapKeys {

    private MapKeys() {}

    /**
     * A domain as a map key: SmallRye keeps the quotes of a quoted key such as
     * {@code routes."example.com"}, which a dotted domain needs.
     */
    public static String unquote(String key) {
        return key.length() >= 2 && key.startsWith("\"") && key.endsWith("\"") ? key.substring(1, key.length() - 1) : key;
    }
}
