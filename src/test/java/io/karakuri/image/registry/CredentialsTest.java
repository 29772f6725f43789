package io.karakuri.image.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
    void namesOfOneRegistry() {
        assertEquals("docker.io", Credentials.normalize("https://index.docker.io/v1/"));
        assertEquals("host:5000", Credentials.normalize("https://host:5000/v2/"));
        assertEquals("host:5000", Credentials.normalize("host:5000"));
    }
}
