package io.karakuri.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry commands' output and errors, against a fake hitoha that answers one request. */
class RegistryCommandsTest {
    @TempDir
    Path dir;

    private record Result(int code, String out, String err, String request) {}

    private Result run(String stdin, int status, String answer, String... args) throws Exception {
        Path socket = dir.resolve("h" + System.nanoTime() + ".sock");
        CompletableFuture<String> request = answer == null ? CompletableFuture.completedFuture("")
                : FakeHitoha.serveOnce(socket, "HTTP/1.1 " + status + " X\r\nContent-Type: application/json\r\nContent-Length: "
                        + answer.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + answer);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        RegistryCommands c = new RegistryCommands(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), new HitohaClient(socket),
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), null);
        List<String> argv = List.of(args);
        int code = switch (argv.getFirst()) {
            case "login" -> c.login(argv.subList(1, argv.size()));
            case "logout" -> c.logout(argv.subList(1, argv.size()));
            default -> c.regctl(argv.subList(1, argv.size()));
        };
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), request.get());
    }

    private Result run(int status, String answer, String... args) throws Exception {
        return run("", status, answer, args);
    }

    @Test
    void target() throws Exception {
        Result r = run(200, "{\"registry\":\"172.17.20.150:5000\",\"status\":\"connected\"}", "regctl", "target");
        assertEquals("Registry : 172.17.20.150:5000\nStatus   : connected\n", r.out());
        assertTrue(r.request().startsWith("GET /v1/registry/connection HTTP/1.1\r\n"), r.request());
        r = run(200, "{\"registry\":null,\"status\":\"disconnected\"}", "regctl", "info");
        assertEquals("Registry : (none)\nStatus   : disconnected\n", r.out());
    }

    @Test
    void repositoriesAndTagsAsTheOriginalPrintedThem() throws Exception {
        Result r = run(200, "{\"registry\":\"h:5000\",\"repositories\":[\"alpine\",\"nginx\",\"ubuntu\"]}",
                "regctl", "get", "repository");
        assertEquals("REPOSITORY\n" + "-".repeat(26) + "\nalpine\nnginx\nubuntu\n", r.out());
        r = run(200, "{\"registry\":\"h:5000\",\"repository\":\"alpine\",\"tags\":[\"3.20\",\"latest\"]}",
                "regctl", "get", "tag", "--repository", "alpine", "--registry", "h:5000");
        assertEquals("REPOSITORY: alpine\nTAG\n" + "-".repeat(14) + "\n3.20\nlatest\n", r.out());
        assertTrue(r.request().startsWith("GET /v1/registry/tags?repository=alpine&registry=h%3A5000 HTTP/1.1"), r.request());
        r = run(200, "{\"registry\":\"h:5000\",\"repository\":\"a\",\"tags\":[\"x\"]}",
                "regctl", "get", "tag", "--repository", "a", "--format", "json");
        assertEquals("{\n  \"registry\": \"h:5000\",\n  \"repository\": \"a\",\n  \"tags\": [\n    \"x\"\n  ]\n}\n", r.out());
    }

    @Test
    void deleteAndConnect() throws Exception {
        Result r = run(200, "{\"registry\":\"h:5000\",\"image\":\"team/app:1\",\"digest\":\"sha256:ab\"}",
                "regctl", "delete", "--image", "team/app:1");
        assertEquals("delete team/app:1 success.\n", r.out());
        assertTrue(r.request().startsWith("DELETE /v1/registry/images/team/app:1 HTTP/1.1"), r.request());
        r = run(200, "{\"registry\":\"h:5000\",\"status\":\"connected\"}", "regctl", "connect", "--registry", "h:5000");
        assertEquals("registry h:5000 connected.\n", r.out());
        assertTrue(r.request().endsWith("{\"registry\":\"h:5000\"}"), r.request());
    }

    @Test
    void theDaemonsMessageAfterTheCommand() throws Exception {
        Result r = run(409, "{\"message\":\"not connected to a registry: karakuri regctl connect --registry HOST:PORT\"}",
                "regctl", "get", "repository");
        assertEquals(1, r.code());
        assertEquals("", r.out());
        assertEquals("karakuri regctl get repository: not connected to a registry: karakuri regctl connect --registry HOST:PORT\n",
                r.err());
    }

    @Test
    void usageErrors() throws Exception {
        Result r = run(0, null, "regctl", "connect");
        assertEquals(1, r.code());
        assertEquals("karakuri regctl connect: --registry is required\nRun 'karakuri regctl --help' for usage.\n", r.err());
        r = run(0, null, "regctl", "get", "tag");
        assertEquals("karakuri regctl get tag: --repository is required\nRun 'karakuri regctl --help' for usage.\n", r.err());
        r = run(0, null, "regctl", "get", "image");
        assertEquals("karakuri regctl: unknown command \"get image\"\nRun 'karakuri regctl --help' for usage.\n", r.err());
        r = run(0, null, "regctl", "get", "repository", "--format", "yaml");
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("karakuri regctl get repository: --format takes table or json, not \"yaml\"\n"), r.err());
        r = run(0, null, "regctl", "frob");
        assertEquals("karakuri regctl: unknown command \"frob\"\nRun 'karakuri regctl --help' for usage.\n", r.err());
        r = run(0, null, "regctl", "disconnect", "extra");
        assertEquals(1, r.code());
        r = run(0, null, "login", "--password-stdin", "h:5000");
        assertEquals("karakuri login: --password-stdin needs --username\nRun 'karakuri login --help' for usage.\n", r.err());
        r = run(0, null, "login", "-u", "alice", "h:5000");
        assertEquals("karakuri login: no terminal to ask for the password: give it with --password-stdin\n", r.err());
        r = run(0, null, "logout");
        assertEquals(1, r.code());
        r = run(0, null, "regctl", "--help");
        assertEquals(0, r.code());
        assertTrue(r.out().startsWith("Usage: karakuri regctl COMMAND"), r.out());
    }

    @Test
    void loginReadsThePasswordFromStdin() throws Exception {
        Result r = run("pa ss\n", 200, "{\"registry\":\"h:5000\",\"username\":\"alice\"}",
                "login", "--username", "alice", "--password-stdin", "h:5000");
        assertEquals(0, r.code(), r.err());
        assertEquals("Login Succeeded\n", r.out());
        assertTrue(r.request().endsWith("{\"registry\":\"h:5000\",\"username\":\"alice\",\"password\":\"pa ss\"}"), r.request());
        r = run(200, "{\"registry\":\"h:5000\",\"removed\":false}", "logout", "h:5000");
        assertEquals("Not logged in to h:5000\n", r.out());
    }

    @Test
    void noDaemon() throws Exception {
        Result r = run(0, null, "regctl", "target");
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("karakuri regctl target: cannot reach hitoha at "), r.err());
    }
}
