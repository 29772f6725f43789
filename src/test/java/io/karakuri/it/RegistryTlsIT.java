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

/**
 * HTTPS with a CA the test makes (in certs.d, Docker's layout) and Basic auth (htpasswd -B); and a registry
 * that wants a client certificate (certs.d's client.cert with client.key).
 */
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
    void aRegistryThatWantsAClientCertificateGetsTheOneInCertsD() throws Exception {
        Path reg = Files.createDirectories(dir.resolve("mtls"));
        RegistryFixture.makeCertificates(reg);
        RegistryFixture.run(reg, "openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "client.key", "-out",
                "client.csr", "-subj", "/CN=karakuri test client");
        Files.writeString(reg.resolve("client.cnf"), "extendedKeyUsage=clientAuth\n");
        RegistryFixture.run(reg, "openssl", "x509", "-req", "-in", "client.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", "client.cert", "-days", "2", "-extfile", "client.cnf");
        try (RegistryFixture.Server mtls = RegistryFixture.start(reg, """
                  tls:
                    certificate: %s
                    key: %s
                    clientcas:
                      - %s
                """.formatted(reg.resolve("server.crt"), reg.resolve("server.key"), reg.resolve("ca.crt")), null)) {
            RegistryFixture.Image image = RegistryFixture.image("amd64", "");
            Reference ref = mtls.ref("mtls/busybox:1");
            Path certs = dir.resolve("mtls-certs.d");
            Path hostDir = Files.createDirectories(certs.resolve(mtls.host()));
            Files.copy(reg.resolve("ca.crt"), hostDir.resolve("ca.crt"));
            try (RegistryClient client = verifying("mtls", certs)) {
                RegistryException refused = assertThrows(RegistryException.class, () -> client.fetchManifest(ref));
                assertTrue(refused.getMessage().startsWith("registry " + mtls.host() + ": TLS failed: "),
                        refused.getMessage());
            }
            Files.copy(reg.resolve("client.cert"), hostDir.resolve("client.cert"));
            try (RegistryClient client = verifying("mtls", certs)) {
                RegistryException noKey = assertThrows(RegistryException.class, () -> client.fetchManifest(ref));
                assertEquals("registry " + mtls.host() + ": " + hostDir.resolve("client.cert") + " has no key client.key "
                        + "beside it (a client certificate is NAME.cert with NAME.key)", noKey.getMessage());
            }
            Files.copy(reg.resolve("client.key"), hostDir.resolve("client.key"));
            try (RegistryClient client = verifying("mtls", certs)) {
                assertEquals(image.digest(), image.push(client, ref, null));
                assertEquals(image.digest(), client.fetchManifest(ref).digest());
            }
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
            assertTrue(e.getMessage().endsWith("(a private CA goes in " + dir.resolve("no-certs") + "/<host:port>/ca.crt, "
                    + "a client certificate in client.cert with client.key)"), e.getMessage());
        }
        // Docker's rule for loopback: HTTPS without checking the certificate
        try (RegistryClient client = RegistryClient.create(RegistryOptions.defaults()
                .withCredentialFiles(null, docker.resolve("docker.json")).withCertsDir(dir.resolve("no-certs"))
                .withTimeout(RegistryFixture.timeout()))) {
            assertEquals(image.digest(), client.fetchManifest(ref).digest());
        }
    }
}
