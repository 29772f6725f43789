package io.karakuri.image.registry;

import java.nio.file.Path;
import java.time.Duration;

/** A registry client for tests: credentials and certificates from dir only, a 10 s timeout. */
public final class TestRegistryClients {
    private TestRegistryClients() {
    }

    public static RegistryClient create(Path dir) {
        return RegistryClient.create(RegistryOptions.defaults()
                .withCredentialFiles(dir.resolve("auth.json"), dir.resolve("docker.json"))
                .withCertsDir(dir.resolve("certs.d")).withTimeout(Duration.ofSeconds(10)));
    }
}
