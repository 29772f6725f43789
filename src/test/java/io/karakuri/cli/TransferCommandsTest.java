package io.karakuri.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** pull and push as the CLI shows them, against a stand-in hitoha streaming progress lines. */
class TransferCommandsTest {
    @TempDir
    Path dir;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(boolean terminal, String command, String... args) {
        TransferCommands commands = new TransferCommands(new HitohaClient(dir.resolve("h.sock")),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                terminal);
        return command.equals("pull") ? commands.pull(List.of(args)) : commands.push(List.of(args));
    }

    @Test
    void pullPrintsEachChangeOfStatusWhenNotOnATerminal() throws Exception {
        CompletableFuture<String> request = FakeHitoha.serveOnce(dir.resolve("h.sock"), FakeHitoha.chunkedLines(
                "{\"id\":\"busybox:latest\",\"status\":\"Resolving\",\"current\":0,\"total\":0}",
                "{\"id\":\"abcdef012345\",\"status\":\"Downloading\",\"current\":10,\"total\":20}",
                "{\"id\":\"abcdef012345\",\"status\":\"Downloading\",\"current\":20,\"total\":20}",
                "{\"id\":\"abcdef012345\",\"status\":\"Pull complete\",\"current\":0,\"total\":0}",
                "{\"status\":\"done\",\"reference\":\"busybox:latest\",\"digest\":\"sha256:00\"}"));
        assertEquals(0, run(false, "pull", "--image", "busybox", "--os", "linux:amd64"));
        assertEquals("busybox:latest: Resolving\nabcdef012345: Pull complete\nDigest: sha256:00\nPulled busybox:latest\n",
                out.toString(StandardCharsets.UTF_8));
        String sent = request.get();
        assertTrue(sent.startsWith("POST /v1/images/pull HTTP/1.1"), sent);
        assertTrue(sent.endsWith("{\"image\":\"busybox\",\"platform\":\"linux:amd64\"}"), sent);
    }

    @Test
    void onATerminalTheLayerLinesAreRedrawnInPlace() throws Exception {
        FakeHitoha.serveOnce(dir.resolve("h.sock"), FakeHitoha.chunkedLines(
                "{\"id\":\"aaaaaaaaaaaa\",\"status\":\"Downloading\",\"current\":500000,\"total\":1000000}",
                "{\"id\":\"aaaaaaaaaaaa\",\"status\":\"Pull complete\",\"current\":0,\"total\":0}",
                "{\"status\":\"done\",\"reference\":\"x:1\",\"digest\":\"sha256:11\"}"));
        assertEquals(0, run(true, "pull", "x:1"));
        String shown = out.toString(StandardCharsets.UTF_8);
        assertTrue(shown.startsWith("\raaaaaaaaaaaa: Downloading [====================>                   ] "
                + "500kB/1MB\033[K\n\033[1A\raaaaaaaaaaaa: Pull complete\033[K\n"), shown);
    }

    @Test
    void anErrorInTheStreamIsTheCommandsError() throws Exception {
        FakeHitoha.serveOnce(dir.resolve("h.sock"), FakeHitoha.chunkedLines(
                "{\"error\":\"registry 127.0.0.1:5000: manifest unknown: app:nope\"}"));
        assertEquals(1, run(false, "push", "app:nope"));
        assertEquals("karakuri push: registry 127.0.0.1:5000: manifest unknown: app:nope\n",
                err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aRefusalBeforeTheStreamIsTheDaemonsMessage() throws Exception {
        String body = "{\"message\":\"no such image: app:2\"}";
        FakeHitoha.serveOnce(dir.resolve("h.sock"), "HTTP/1.1 404 Not Found\r\nContent-Length: " + body.length()
                + "\r\n\r\n" + body);
        assertEquals(1, run(false, "push", "--image", "app:2", "--registry", "127.0.0.1:5000"));
        assertEquals("karakuri push: no such image: app:2\n", err.toString(StandardCharsets.UTF_8));
    }
}
