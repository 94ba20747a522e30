package org.postloom.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** What every command that talks to the running relay is told: where its admin API is, and the token. */
final class AdminOptions {

    @Option(names = "--admin", description = "admin API base URL (default: from postloom.admin.listen)")
    String admin;

    @Option(names = "--token", description = "bearer token (default: postloom.admin.token)")
    String token;

    @Option(names = "--config", description = "properties or YAML file (else $POSTLOOM_CONFIG)")
    Path config;

    AdminApi api() {
        return new AdminApi(admin, token, config);
    }
}
