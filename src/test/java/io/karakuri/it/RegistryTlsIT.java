package io.karakuri.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.karakuri.image.Reference;
import io.karakuri.image.registry.Platforms;
import io.karakuri.image.registry.RegistryClient;
import io.karakuri.image.registry.RegistryException;
import io.karakuri.image.registry.RegistryOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTPS with a CA the test makes (in certs.d, Docker's layout) and Basic auth (htpasswd -B). */
class RegistryTlsIT {
    @TempDir
    static Path dir;
    static RegistryFixture.Server registry;
    static Path certsDir;

    @BeforeAll
    static void start() throws Exception {
        Path reg = Files.createDirectories(dir.resolve("registry"));
        registry = RegistryFixture.startSecure(reg, "alice", "s3cret, really");
        certsDir = dir.resolve("certs.d");
        Files.createDirectories(certsDir.resolve(registry.host()));
        Files.copy(reg.resolve("ca.crt"), certsDir.resolve(registry.host()).resolve("ca.crt"));
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
    }

    /** A client that must verify the certificate (loopback not taken as insecure). */
    private static RegistryClient verifying(String name, Path certs) {
        return RegistryClient.create(RegistryOptions.defaults()
                .withCredentialFiles(dir.resolve(name + "/auth.json"), dir.resolve(name + "/docker.json"))
                .withCertsDir(certs).withInsecure(Set.of(), false).withPlatform(Platforms.parse("linux:amd64"))
                .withTimeout(RegistryFixture.timeout()));
    }

    @Test
    void loginPushPullAndLogout() throws Exception {
        RegistryFixture.Image image = RegistryFixture.image("amd64", "");
        Reference ref = registry.ref("tls/busybox:1");
        try (RegistryClient client = verifying("login", certsDir)) {
            RegistryException anonymous = assertThrows(RegistryException.class, () -> image.push(client, ref, null));
            assertTrue(anonymous.getMessage().startsWith("registry " + registry.host() + ": unauthorized: "),
                    anonymous.getMessage());
            assertEquals(401, anonymous.status());

            RegistryException wrong = assertThrows(RegistryException.class,
                    () -> client.login(registry.host(), "alice", "wrong"));
            assertEquals("registry " + registry.host() + ": unauthorized: wrong user name or password", wrong.getMessage());
            assertFalse(Files.exists(dir.resolve("login/auth.json")));

            client.login(registry.host(), "alice", "s3cret, really");
            Path auth = dir.resolve("login/auth.json");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(auth)));
            assertTrue(Files.readString(auth).contains(registry.host()));

            assertEquals(image.digest(), image.push(client, ref, null));
            assertEquals(image.digest(), client.resolve(ref).manifest().digest());
            assertEquals(List.of("tls/busybox"), client.catalog(registry.host()));

            assertTrue(client.logout(registry.host()));
            assertFalse(client.logout(registry.host()));
        }
        try (RegistryClient client = verifying("login", certsDir)) {
            RegistryException e = assertThrows(RegistryException.class, () -> client.fetchManifest(ref));
            assertEquals(401, e.status(), e.getMessage());
        }
    }

    @Test
    void dockersConfigJsonIsReadAndTheCaIsNeeded() throws Exception {
        RegistryFixture.Image image = RegistryFixture.image("amd64", "");
        Reference ref = registry.ref("tls/docker-config:1");
        Path docker = Files.createDirectories(dir.resolve("docker"));
        String auth = Base64.getEncoder().encodeToString("alice:s3cret, really".getBytes(StandardCharsets.UTF_8));
        Files.writeString(docker.resolve("docker.json"),
                "{\"auths\": {\"https://" + registry.host() + "\": {\"auth\": \"" + auth + "\"}}}");
        try (RegistryClient client = verifying("docker", certsDir)) {
            assertEquals(image.digest(), image.push(client, ref, null));
        }
        // without the CA the certificate is not trusted, and plain HTTP is not tried
        try (RegistryClient client = verifying("docker", dir.resolve("no-certs"))) {
            RegistryException e = assertThrows(RegistryException.class, () -> client.fetchManifest(ref));
            assertTrue(e.getMessage().startsWith("registry " + registry.host() + ": TLS failed: "), e.getMessage());
            assertTrue(e.getMessage().endsWith("(a private CA goes in " + dir.resolve("no-certs") + "/<host:port>/ca.crt)"),
                    e.getMessage());
        }
        // Docker's rule for loopback: HTTPS without checking the certificate
        try (RegistryClient client = RegistryClient.create(RegistryOptions.defaults()
                .withCredentialFiles(null, docker.resolve("docker.json")).withCertsDir(dir.resolve("no-certs"))
                .withTimeout(RegistryFixture.timeout()))) {
            assertEquals(image.digest(), client.fetchManifest(ref).digest());
        }
    }
}
