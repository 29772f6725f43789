package io.karakuri.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.karakuri.image.registry.RegistryClient;
import io.karakuri.image.registry.RegistryOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * karakuri regctl, login and logout as a user runs them: the installed launcher, a hitoha of this test's own
 * (its socket, state root and config dir in a temporary directory), and two docker-registries: a plain one
 * (listed in karakuri.insecure-registries) and one with TLS and htpasswd, whose CA is in the config dir's
 * certs.d. Loopback is not taken as insecure here, so the TLS registry's certificate is really checked.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RegctlIT {
    static final String NOT_CONNECTED = "not connected to a registry: karakuri regctl connect --registry HOST:PORT";

    @TempDir
    static Path dir;
    static RegistryFixture.Server plain;
    static RegistryFixture.Server secure;
    static Process hitoha;
    static Path socket;
    static Path etc;

    @BeforeAll
    static void start() throws Exception {
        plain = RegistryFixture.start(Files.createDirectories(dir.resolve("plain")), null, null);
        Path reg = Files.createDirectories(dir.resolve("secure"));
        secure = RegistryFixture.startSecure(reg, "alice", "s3cret, really");
        etc = Files.createDirectories(dir.resolve("etc"));
        Files.copy(reg.resolve("ca.crt"), Files.createDirectories(etc.resolve("certs.d").resolve(secure.host())).resolve("ca.crt"));

        // two repositories (alpine with two tags of different images) in the plain registry, one in the secure one
        RegistryFixture.Image busybox = RegistryFixture.image("amd64", "");
        RegistryFixture.Image other = RegistryFixture.image("amd64", "other");
        try (RegistryClient c = RegistryClient.create(RegistryOptions.defaults()
                .withCredentialFiles(dir.resolve("pusher/auth.json"), null).withCertsDir(etc.resolve("certs.d"))
                .withTimeout(RegistryFixture.timeout()))) {
            busybox.push(c, plain.ref("alpine:3.20"), null);
            other.push(c, plain.ref("alpine:latest"), null);
            busybox.push(c, plain.ref("ubuntu:24.04"), null);
            c.login(secure.host(), "alice", "s3cret, really");
            busybox.push(c, secure.ref("private/app:1"), null);
        }

        socket = dir.resolve("hitoha.sock");
        ProcessBuilder pb = new ProcessBuilder(Launcher.command("hitoha")).redirectErrorStream(true)
                .redirectOutput(dir.resolve("hitoha.log").toFile());
        pb.environment().putAll(Map.of("QUARKUS_HTTP_DOMAIN_SOCKET", socket.toString(),
                "KARAKURI_ROOT", dir.resolve("root").toString(), "KARAKURI_CONFIG_DIR", etc.toString(),
                "KARAKURI_INSECURE_REGISTRIES", plain.host(), "KARAKURI_INSECURE_LOOPBACK", "false"));
        hitoha = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(socket)) {
            assertTrue(hitoha.isAlive(), "hitoha exited: " + Files.readString(dir.resolve("hitoha.log")));
            assertTrue(System.nanoTime() < deadline, "no socket after 60 s: " + Files.readString(dir.resolve("hitoha.log")));
            Thread.sleep(50);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (hitoha != null) {
            hitoha.destroy();
            if (!hitoha.waitFor(30, TimeUnit.SECONDS)) {
                hitoha.destroyForcibly().waitFor();
            }
        }
        for (RegistryFixture.Server s : new RegistryFixture.Server[] {plain, secure}) {
            if (s != null) {
                s.close();
            }
        }
    }

    /** karakuri with these arguments, talking to this test's hitoha; stdin: /dev/null. */
    private static Launcher.Result karakuri(String... args) {
        Launcher.Result r = Launcher.run("karakuri", List.of(args), Map.of("KARAKURI_SOCKET", socket.toString()));
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception"), "a stack trace: " + r.err());
        return r;
    }

    /** karakuri with stdin from the given text. */
    private static Launcher.Result karakuriWithInput(String stdin, String... args) throws IOException, InterruptedException {
        Path in = Files.writeString(Files.createTempFile(dir, "stdin", ".txt"), stdin);
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        List<String> cmd = new ArrayList<>(Launcher.command("karakuri"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(in.toFile()).redirectOutput(out.toFile())
                .redirectError(err.toFile());
        pb.environment().put("KARAKURI_SOCKET", socket.toString());
        Process p = pb.start();
        if (!p.waitFor(Duration.ofMinutes(1).toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + cmd);
        }
        return new Launcher.Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private static void assertFails(String stderr, Launcher.Result r) {
        assertEquals(1, r.code(), r.toString());
        assertEquals("", r.out());
        assertEquals(stderr, r.err());
    }

    @Test
    @Order(1)
    void notConnectedAtFirst() {
        assertEquals("Registry : (none)\nStatus   : disconnected\n", karakuri("regctl", "target").ok().out());
        assertFails("karakuri regctl get repository: " + NOT_CONNECTED + "\n", karakuri("regctl", "get", "repository"));
        assertFails("karakuri regctl get tag: " + NOT_CONNECTED + "\n", karakuri("regctl", "get", "tag", "--repository", "alpine"));
        assertFails("karakuri regctl delete: " + NOT_CONNECTED + "\n", karakuri("regctl", "delete", "--image", "alpine:3.20"));
    }

    @Test
    @Order(2)
    void anUnreachableRegistryIsNotConnected() throws Exception {
        String nobody = "127.0.0.1:" + RegistryFixture.freePort();
        assertFails("karakuri regctl connect: registry " + nobody + ": cannot connect: Connection refused\n",
                karakuri("regctl", "connect", "--registry", nobody));
        assertFails("karakuri regctl connect: invalid registry \"http://" + nobody
                + "\": HOST:PORT expected, without scheme or path\n", karakuri("regctl", "connect", "--registry", "http://" + nobody));
        assertFails("karakuri regctl connect: --registry is required\nRun 'karakuri regctl --help' for usage.\n",
                karakuri("regctl", "connect"));
        assertEquals("Registry : (none)\nStatus   : disconnected\n", karakuri("regctl", "info").ok().out());
    }

    @Test
    @Order(3)
    void connectListAndDelete() {
        assertEquals("registry " + plain.host() + " connected.\n", karakuri("regctl", "connect", "--registry", plain.host()).ok().out());
        assertEquals("Registry : " + plain.host() + "\nStatus   : connected\n", karakuri("regctl", "target").ok().out());
        assertEquals("Registry : " + plain.host() + "\nStatus   : connected\n", karakuri("regctl", "info").ok().out());

        assertEquals("REPOSITORY\n--------------------------\nalpine\nubuntu\n", karakuri("regctl", "get", "repository").ok().out());
        assertEquals("REPOSITORY: alpine\nTAG\n--------------\n3.20\nlatest\n",
                karakuri("regctl", "get", "tag", "--repository", "alpine").ok().out());
        assertEquals("{\n  \"registry\": \"" + plain.host() + "\",\n  \"repositories\": [\n    \"alpine\",\n    \"ubuntu\"\n  ]\n}\n",
                karakuri("regctl", "get", "repository", "--format", "json").ok().out());
        assertEquals("{\n  \"registry\": \"" + plain.host() + "\",\n  \"repository\": \"ubuntu\",\n  \"tags\": [\n    \"24.04\"\n  ]\n}\n",
                karakuri("regctl", "get", "tag", "--repository", "ubuntu", "--format", "json").ok().out());
        assertFails("karakuri regctl get tag: registry " + plain.host() + ": repository name not known to registry: nosuch\n",
                karakuri("regctl", "get", "tag", "--repository", "nosuch"));

        assertEquals("delete alpine:3.20 success.\n", karakuri("regctl", "delete", "--image", "alpine:3.20").ok().out());
        assertEquals("REPOSITORY: alpine\nTAG\n--------------\nlatest\n",
                karakuri("regctl", "get", "tag", "--repository", "alpine").ok().out());
        assertFails("karakuri regctl delete: registry " + plain.host() + ": not found: alpine:3.20\n",
                karakuri("regctl", "delete", "--image", "alpine:3.20"));
        assertFails("karakuri regctl delete: name the tag to delete: alpine:TAG\n", karakuri("regctl", "delete", "--image", "alpine"));
    }

    @Test
    @Order(4)
    void disconnect() {
        assertEquals("registry disconnected.\n", karakuri("regctl", "disconnect").ok().out());
        assertEquals("Registry : " + plain.host() + "\nStatus   : disconnected\n", karakuri("regctl", "target").ok().out());
        assertFails("karakuri regctl get repository: " + NOT_CONNECTED + "\n", karakuri("regctl", "get", "repository"));
        // a registry named on the command line needs no connection
        assertEquals("REPOSITORY\n--------------------------\nalpine\nubuntu\n",
                karakuri("regctl", "get", "repository", "--registry", plain.host()).ok().out());
    }

    @Test
    @Order(5)
    void loginAndLogoutWithTlsAndHtpasswd() throws Exception {
        String host = secure.host();
        assertTrue(karakuri("regctl", "connect", "--registry", host).ok().out().contains("connected"));
        Launcher.Result anonymous = karakuri("regctl", "get", "repository");
        assertEquals(1, anonymous.code());
        assertTrue(anonymous.err().startsWith("karakuri regctl get repository: registry " + host + ": unauthorized: "),
                anonymous.err());

        assertFails("karakuri login: registry " + host + ": unauthorized: wrong user name or password\n",
                karakuriWithInput("wrong\n", "login", "--username", "alice", "--password-stdin", host));
        assertFalse(Files.exists(etc.resolve("auth.json")));
        assertFails("karakuri login: no terminal to ask for the password: give it with --password-stdin\n",
                karakuri("login", "--username", "alice", host));

        assertEquals("Login Succeeded\n",
                karakuriWithInput("s3cret, really\n", "login", "--username", "alice", "--password-stdin", host).ok().out());
        assertTrue(Files.readString(etc.resolve("auth.json")).contains(host));
        assertEquals("REPOSITORY\n--------------------------\nprivate/app\n", karakuri("regctl", "get", "repository").ok().out());
        assertEquals("REPOSITORY: private/app\nTAG\n--------------\n1\n",
                karakuri("regctl", "get", "tag", "--repository", "private/app").ok().out());

        assertEquals("Removing login credentials for " + host + "\n", karakuri("logout", host).ok().out());
        assertEquals("Not logged in to " + host + "\n", karakuri("logout", host).ok().out());
        assertFalse(Files.readString(etc.resolve("auth.json")).contains(host));
        assertEquals(1, karakuri("regctl", "get", "repository").code());
        assertEquals("registry disconnected.\n", karakuri("regctl", "disconnect").ok().out());
    }

    /** login on a terminal (util-linux script's pty): the prompts answered as they come, the password not echoed. */
    @Test
    @Order(6)
    void loginAsksOnTheTerminal() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")), "no /usr/bin/script");
        String host = secure.host();
        StringBuilder command = new StringBuilder();
        for (String word : Launcher.command("karakuri")) {
            command.append('\'').append(word.replace("'", "'\\''")).append("' ");
        }
        command.append("login ").append(host);
        ProcessBuilder pb = new ProcessBuilder("/usr/bin/script", "-qec", command.toString(), "/dev/null")
                .redirectErrorStream(true);
        pb.environment().put("KARAKURI_SOCKET", socket.toString());
        Process p = pb.start();
        // a prompt that never comes must not hang the build: the stream ends when the process is killed
        CompletableFuture.delayedExecutor(60, TimeUnit.SECONDS).execute(p::destroyForcibly);
        try {
            InputStream out = p.getInputStream();
            OutputStream in = p.getOutputStream();
            StringBuilder seen = new StringBuilder();
            readUntil(out, seen, "Username: ");
            in.write("alice\n".getBytes(StandardCharsets.UTF_8));
            in.flush();
            readUntil(out, seen, "Password: ");
            in.write("s3cret, really\n".getBytes(StandardCharsets.UTF_8));
            in.flush();
            readUntil(out, seen, "Login Succeeded");
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), seen.toString());
            assertFalse(seen.toString().contains("s3cret"), seen.toString());
            assertTrue(seen.toString().contains("Username: alice"), seen.toString());
        } finally {
            p.destroyForcibly();
        }
        assertTrue(Files.readString(etc.resolve("auth.json")).contains(host));
        assertEquals("REPOSITORY\n--------------------------\nprivate/app\n",
                karakuri("regctl", "get", "repository", "--registry", host).ok().out());
        assertEquals("Removing login credentials for " + host + "\n", karakuri("logout", host).ok().out());
    }

    private static void readUntil(InputStream in, StringBuilder seen, String text) throws IOException {
        while (!seen.toString().contains(text)) {
            int c = in.read();
            if (c < 0) {
                throw new AssertionError("ended before \"" + text + "\": " + seen);
            }
            seen.append((char) c);
        }
    }

    @Test
    @Order(7)
    void usageErrorsAndHelp() {
        assertTrue(karakuri("--help").ok().out().contains("  regctl "));
        assertTrue(karakuri("regctl", "--help").ok().out().startsWith("Usage: karakuri regctl COMMAND"));
        assertTrue(karakuri("login", "--help").ok().out().startsWith("Usage: karakuri login [OPTIONS] REGISTRY"));
        assertFails("karakuri regctl: unknown command \"frob\"\nRun 'karakuri regctl --help' for usage.\n", karakuri("regctl", "frob"));
        assertFails("karakuri login: name one registry: karakuri login [--username USER] [--password-stdin] HOST:PORT\n"
                + "Run 'karakuri login --help' for usage.\n", karakuri("login"));
        assertFails("karakuri regctl get tag: unknown option --bogus\nRun 'karakuri regctl --help' for usage.\n",
                karakuri("regctl", "get", "tag", "--bogus"));
    }

    @Test
    @Order(8)
    void theRegistryControllerNeedsTheDaemon() {
        Launcher.Result r = Launcher.run("karakuri", List.of("regctl", "target"),
                Map.of("KARAKURI_SOCKET", dir.resolve("nothing.sock").toString()));
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("karakuri regctl target: cannot reach hitoha at " + dir.resolve("nothing.sock")), r.err());
    }
}
