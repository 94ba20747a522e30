package org.postloom.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * README's settings table is the operator's view of {@link PostloomConfig}: every property of the
 * mapping is in the table with the mapping's default, and the table names nothing the mapping
 * does not have. Map keys ({@code "<domain>"}) match one key segment; a trailing {@code <key>}
 * matches the rest.
 */
class ReadmeSettingsTest {

    private static final Pattern CODE = Pattern.compile("`([^`]+)`");

    /** A property as the mapping defines it; {@code *} for a map key, {@code [N]} for a list index. */
    record Property(String name, Optional<String> defaultValue) {}

    /** One row of the README table: its names (as patterns) and its default cell. */
    record Row(List<String> names, String defaultCell) {}

    @Test
    void everyMappedSettingIsInTheReadmeWithItsDefault() throws IOException {
        List<Row> rows = readmeRows();
        for (Property p : mappedProperties()) {
            Optional<Row> row = rows.stream().filter(r -> r.names().stream().anyMatch(n -> matches(n, p.name()))).findFirst();
            assertThat(row).as("README's settings table lists %s", p.name()).isPresent();
            String cell = row.get().defaultCell();
            if (p.defaultValue().isPresent()) {
                int index = indexIn(row.get(), p.name());
                List<String> defaults = codes(cell);
                assertThat(defaults).as("README's default for %s", p.name()).hasSizeGreaterThan(index);
                assertThat(defaults.get(index)).as("README's default for %s", p.name()).isEqualTo(p.defaultValue().get());
            } else {
                assertThat(codes(cell)).as("README gives %s a default the mapping does not have: %s", p.name(), cell).isEmpty();
            }
        }
    }

    @Test
    void theReadmeNamesNoSettingTheMappingLacks() throws IOException {
        List<Property> mapped = mappedProperties();
        for (Row row : readmeRows()) {
            for (String name : row.names()) {
                assertThat(mapped).as("the mapping has README's %s", name).anyMatch(p -> matches(name, p.name()));
            }
        }
    }

    private static int indexIn(Row row, String property) {
        for (int i = 0; i < row.names().size(); i++) if (matches(row.names().get(i), property)) return i;
        throw new IllegalStateException(property);
    }

    /** README name (with {@code *} for map keys) against a mapped name (with {@code *} too). */
    private static boolean matches(String readme, String mapped) {
        String[] r = readme.split("\\.");
        String[] m = mapped.split("\\.");
        for (int i = 0; i < r.length; i++) {
            if (i >= m.length) return false;
            boolean last = i == r.length - 1;
            if (r[i].equals("*") && last) return true; // a trailing <key>: any of the keys below
            if (!r[i].equals(m[i]) && !r[i].equals("*")) return false;
        }
        return r.length == m.length;
    }

    private static List<String> codes(String cell) {
        List<String> out = new ArrayList<>();
        Matcher m = CODE.matcher(cell);
        while (m.find()) out.add(m.group(1));
        return out;
    }

    /** The rows of the table under "## Configuration". */
    private static List<Row> readmeRows() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        int start = readme.indexOf("## Configuration");
        int end = readme.indexOf("\n## ", start + 1);
        List<Row> rows = new ArrayList<>();
        for (String line : readme.substring(start, end < 0 ? readme.length() : end).lines().toList()) {
            if (!line.startsWith("| `postloom.")) continue;
            String[] cells = line.split("\\s\\|\\s");
            List<String> names = new ArrayList<>();
            for (String name : codes(cells[0].substring(1))) {
                String normal = name.replaceAll("\"<[^>]+>\"|<[^>]+>|\"\\*\"", "*");
                // "`postloom.delivery.min-backoff`, `max-backoff`": the second shares the first's parent.
                if (!normal.startsWith("postloom.")) normal = names.getFirst().substring(0, names.getFirst().lastIndexOf('.') + 1) + normal;
                names.add(normal);
            }
            rows.add(new Row(names, cells[cells.length - 1]));
        }
        assertThat(rows).as("README's settings table").isNotEmpty();
        return rows;
    }

    static List<Property> mappedProperties() {
        Map<String, Property> out = new LinkedHashMap<>();
        walk(PostloomConfig.class, "postloom", out);
        return List.copyOf(out.values());
    }

    private static void walk(Class<?> mapping, String prefix, Map<String, Property> out) {
        for (Method m : mapping.getMethods()) {
            if (m.isDefault() || Modifier.isStatic(m.getModifiers()) || m.getParameterCount() > 0) continue;
            WithName named = m.getAnnotation(WithName.class);
            String name = prefix + "." + (named != null ? named.value() : kebab(m.getName()));
            WithDefault withDefault = m.getAnnotation(WithDefault.class);
            leafOrGroup(m.getGenericReturnType(), name, Optional.ofNullable(withDefault).map(WithDefault::value), out);
        }
    }

    private static void leafOrGroup(Type type, String name, Optional<String> defaultValue, Map<String, Property> out) {
        Class<?> raw = raw(type);
        if (raw == Optional.class) {
            leafOrGroup(argument(type, 0), name, defaultValue, out);
        } else if (raw == Map.class) {
            leafOrGroup(argument(type, 1), name + ".*", defaultValue, out);
        } else if (raw == List.class && isGroup(raw(argument(type, 0)))) {
            walk(raw(argument(type, 0)), name + "[N]", out);
        } else if (isGroup(raw)) {
            walk(raw, name, out);
        } else {
            out.put(name, new Property(name, defaultValue));
        }
    }

    private static boolean isGroup(Class<?> c) {
        return c.isInterface() && c.getName().startsWith("org.postloom.");
    }

    private static Class<?> raw(Type type) {
        return type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
    }

    private static Type argument(Type type, int index) {
        return ((ParameterizedType) type).getActualTypeArguments()[index];
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
    }
}
