package io.karakuri.image.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CredentialsTest {
    @TempDir
    Path dir;

    @Test
    void karakurisStoreFirstThenDockers() throws Exception {
        Path docker = dir.resolve("docker/config.json");
        Files.createDirectories(docker.getParent());
        Files.writeString(docker, """
                {"auths": {"https://index.docker.io/v1/": {"auth": "aHViOnNlY3JldA=="},
                           "host:5000": {"auth": "ZG9ja2VyOnB3"}}}""");
        Path own = dir.resolve("etc/auth.json");
        Credentials c = new Credentials(own, docker);
        assertEquals(Optional.of(new Credentials.Basic("hub", "secret")), c.find("docker.io"));
        assertEquals(Optional.of(new Credentials.Basic("docker", "pw")), c.find("host:5000"));
        assertEquals(Optional.empty(), c.find("other:5000"));

        c.store("host:5000", new Credentials.Basic("me", "p:w"));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(own)));
        assertEquals(Optional.of(new Credentials.Basic("me", "p:w")), c.find("host:5000"));
        assertTrue(Files.readString(own).contains("\"host:5000\""));

        assertTrue(c.remove("host:5000"));
        assertFalse(c.remove("host:5000"));
        assertEquals(Optional.of(new Credentials.Basic("docker", "pw")), c.find("host:5000"), "Docker's file is kept");
        assertEquals("Basic bWU6cDp3", new Credentials.Basic("me", "p:w").header());
    }

    @Test
    void dockersCredentialHelpersAreAskedAsDockerAsksThem() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        for (String name : java.util.List.of("store", "special")) {
            Path helper = bin.resolve("docker-credential-" + name);
            Files.writeString(helper, """
                    #!/bin/sh
                    [ "$1" = get ] || exit 2
                    read -r key
                    case "$key" in
                      host:5000) echo '{"ServerURL":"host:5000","Username":"%s-user","Secret":"%s-secret"}' ;;
                      tokens:5000) echo '{"ServerURL":"tokens:5000","Username":"<token>","Secret":"abc"}' ;;
                      broken:5000) echo 'keychain locked'; exit 3 ;;
                      *) echo 'credentials not found in native keychain'; exit 1 ;;
                    esac
                    """.formatted(name, name));
            Files.setPosixFilePermissions(helper, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Path docker = dir.resolve("config.json");
        Files.writeString(docker, """
                {"credsStore": "store", "credHelpers": {"https://special:5000": "special", "host:6000": "missing"},
                 "auths": {"host:5000": {}, "plain:5000": {"auth": "ZG9ja2VyOnB3"}}}""");
        Credentials c = new Credentials(null, docker, java.util.List.of(dir.resolve("nowhere"), bin));
        assertEquals(Optional.of(new Credentials.Basic("store-user", "store-secret")), c.find("host:5000"));
        assertEquals(Optional.empty(), c.find("special:5000"), "the per-registry helper, which has none");
        assertEquals(Optional.empty(), c.find("plain:5000"), "with a credsStore the store holds them all");
        assertEquals(Optional.of(new Credentials.Basic("", "", "abc")), c.find("tokens:5000"), "an identity token");
        assertEquals("docker-credential-store failed for broken:5000 (exit 3): keychain locked",
                assertThrows(RegistryException.class, () -> c.find("broken:5000")).getMessage());
        assertEquals(docker + " names the credential helper docker-credential-missing, which is not on PATH",
                assertThrows(RegistryException.class, () -> c.find("host:6000")).getMessage());

        Files.writeString(docker, """
                {"credHelpers": {"special:5000": "special"}, "auths": {"plain:5000": {"auth": "ZG9ja2VyOnB3"}}}""");
        assertEquals(Optional.of(new Credentials.Basic("docker", "pw")), c.find("plain:5000"), "no store: auths");
        Files.writeString(docker, """
                {"credsStore": "../../bin/sh"}""");
        assertTrue(assertThrows(RegistryException.class, () -> c.find("host:5000")).getMessage()
                .endsWith("\"../../bin/sh\" is not a credential helper's name"));
    }

    @Test
    void namesOfOneRegistry() {
        assertEquals("docker.io", Credentials.normalize("https://index.docker.io/v1/"));
        assertEquals("host:5000", Credentials.normalize("https://host:5000/v2/"));
        assertEquals("host:5000", Credentials.normalize("host:5000"));
    }
}
