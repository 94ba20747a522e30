package org.postloom.it;

import java.util.LinkedHashMap;
import java.util.Map;

/** The Prometheus text format read into {@code name{labels}} (as printed) -> value. */
final class Metrics {

    private Metrics() {}

    static Map<String, Double> scrape(String text) {
        Map<String, Double> samples = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) continue;
            int space = line.lastIndexOf(' ');
            samples.put(line.substring(0, space).trim(), Double.parseDouble(line.substring(space + 1)));
        }
        return samples;
    }
}
