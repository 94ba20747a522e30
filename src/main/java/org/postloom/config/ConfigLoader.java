package org.postloom.config;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.source.yaml.YamlConfigSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * Builds the configuration: embedded defaults, then an optional file (properties or YAML, named
 * by {@code --config} or {@code POSTLOOM_CONFIG}), then environment variables, then system
 * properties, each overriding the one before.
 */
public final class ConfigLoader {

    /** Below the environment (300) and system properties (400). */
    private static final int FILE_ORDINAL = 250;

    private ConfigLoader() {}

    public static PostloomConfig load(Optional<Path> file) {
        SmallRyeConfigBuilder builder = new SmallRyeConfigBuilder()
                .addDefaultSources()
                .withMapping(PostloomConfig.class);
        file.or(() -> Optional.ofNullable(System.getenv("POSTLOOM_CONFIG")).filter(s -> !s.isBlank()).map(Path::of))
                .map(ConfigLoader::source)
                .ifPresent(builder::withSources);
        SmallRyeConfig config = builder.build();
        return config.getConfigMapping(PostloomConfig.class);
    }

    /** Defaults and the given properties only: for embedding the relay (tests, tools). */
    public static PostloomConfig of(Map<String, String> properties) {
        return new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(properties, "embedded", FILE_ORDINAL))
                .withMapping(PostloomConfig.class)
                .build()
                .getConfigMapping(PostloomConfig.class);
    }

    private static ConfigSource source(Path path) {
        try {
            String name = path.getFileName().toString();
            var url = path.toUri().toURL();
            if (!Files.isReadable(path)) throw new IllegalArgumentException("config file not readable: " + path);
            return name.endsWith(".yaml") || name.endsWith(".yml")
                    ? new YamlConfigSource(url, FILE_ORDINAL)
                    : new PropertiesConfigSource(url, FILE_ORDINAL);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read config file " + path, e);
        }
    }
}
