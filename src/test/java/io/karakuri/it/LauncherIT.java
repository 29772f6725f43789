package io.karakuri.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.karakuri.Version;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one program in its three roles, by the name it is started under or by its first argument. */
class LauncherIT {

    @Test
    void versions() {
        assertEquals("karakuri version " + Version.VERSION + "\n", Launcher.run("karakuri", List.of("version")).ok().out());
        assertTrue(Launcher.run("futaba", List.of("--version")).ok().out().startsWith("futaba version " + Version.VERSION));
        assertTrue(Launcher.run("hitoha", List.of("--version")).ok().out().startsWith("hitoha version " + Version.VERSION));
        assertTrue(Launcher.run("karakuri", List.of("futaba", "--version")).ok().out().startsWith("futaba version"));
    }

    @Test
    void helpOnEveryCommand() {
        assertTrue(Launcher.run("karakuri", List.of("--help")).ok().out().contains("version"));
        assertTrue(Launcher.run("karakuri", List.of("version", "--help")).ok().out().startsWith("Usage: karakuri version"));
        assertTrue(Launcher.run("hitoha", List.of("--help")).ok().out().startsWith("Usage: hitoha"));
        String help = Launcher.run("futaba", List.of("--help")).ok().out();
        for (String command : List.of("create", "start", "run", "exec", "state", "kill", "delete", "list", "spec",
                "pause", "resume", "ps", "events", "features")) {
            assertTrue(help.contains("  " + command + " "), command + " in " + help);
            String commandHelp = Launcher.run("futaba", List.of(command, "--help")).ok().out();
            assertTrue(commandHelp.startsWith("Usage: futaba " + command), commandHelp);
        }
    }

    @Test
    void unknownCommandsFailClearly() {
        Launcher.Result r = Launcher.run("karakuri", List.of("frobnicate"));
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("karakuri: unknown command \"frobnicate\""), r.err());
    }

    @Test
    void hitohaServesItsApiOnAUnixSocket(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("hitoha.sock");
        List<String> cmd = Launcher.command("hitoha");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("log").toFile());
        pb.environment().put("QUARKUS_HTTP_DOMAIN_SOCKET", socket.toString());
        Process hitoha = pb.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(socket)) {
                assertTrue(hitoha.isAlive(), "hitoha exited: " + Files.readString(dir.resolve("log")));
                assertTrue(System.nanoTime() < deadline, "no socket after 60 s");
                Thread.sleep(50);
            }
            String response = get(socket, "/v1/system/info");
            assertTrue(response.startsWith("HTTP/1.1 200"), response);
            assertTrue(response.contains("\"version\":\"" + Version.VERSION + "\""), response);
        } finally {
            hitoha.destroy();
            if (!hitoha.waitFor(30, TimeUnit.SECONDS)) {
                hitoha.destroyForcibly();
            }
        }
    }

    private static String get(Path socket, String path) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap(("GET " + path + " HTTP/1.1\r\nHost: hitoha\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            while (ch.read(buf) >= 0) {
                if (!buf.hasRemaining()) {
                    break;
                }
            }
            return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
        }
    }
}
