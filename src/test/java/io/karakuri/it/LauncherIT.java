package io.karakuri.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.karakuri.Version;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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
        pb.environment().put("KARAKURI_ROOT", dir.resolve("root").toString()); // never the machine's store
        Process hitoha = pb.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(socket)) {
                assertTrue(hitoha.isAlive(), "hitoha exited: " + Files.readString(dir.resolve("log")));
                assertTrue(System.nanoTime() < deadline, "no socket after 60 s");
                Thread.sleep(50);
            }
            Launcher.Result info = Launcher.run("karakuri", List.of("info"), Map.of("KARAKURI_SOCKET", socket.toString()));
            assertEquals("client: karakuri " + Version.VERSION + "\ndaemon: hitoha " + Version.VERSION + " at " + socket
                    + "\n", info.ok().out());
        } finally {
            hitoha.destroy();
            if (!hitoha.waitFor(30, TimeUnit.SECONDS)) {
                hitoha.destroyForcibly();
            }
        }
    }
}
