package io.karakuri.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.karakuri.Version;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class KarakuriCliTest {

    private record Result(int code, String out, String err) {}

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new KarakuriCli(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)).run(List.of(args));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void version() {
        for (String command : List.of("version", "--version", "-v")) {
            Result r = run(command);
            assertEquals(0, r.code(), command);
            assertEquals("karakuri version " + Version.VERSION + "\n", r.out(), command);
        }
    }

    @Test
    void versionTakesNoArguments() {
        Result r = run("version", "extra");
        assertEquals(1, r.code());
        assertEquals("", r.out());
        assertTrue(r.err().contains("takes no arguments"), r.err());
    }

    @Test
    void help() {
        Result r = run("--help");
        assertEquals(0, r.code());
        assertTrue(r.out().startsWith("Usage: karakuri COMMAND"), r.out());
        assertTrue(r.out().contains("  version "), r.out());
        for (String command : List.of("run", "create", "start", "exec", "stop", "restart", "rm", "ls", "logs", "spec",
                "inspect")) {
            assertTrue(r.out().contains("\n  " + command + " "), command);
        }
        assertEquals("", r.err());
    }

    @Test
    void noCommandPrintsTheHelpToStderr() {
        Result r = run();
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("Usage: karakuri"), r.err());
    }

    @Test
    void infoWithoutADaemonSaysWhereItLooked() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        java.nio.file.Path socket = java.nio.file.Path.of("/nonexistent/hitoha.sock");
        int code = new KarakuriCli(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), new HitohaClient(socket)).run(List.of("info"));
        assertEquals(1, code);
        String message = err.toString(StandardCharsets.UTF_8);
        assertTrue(message.startsWith("karakuri info: cannot reach hitoha at /nonexistent/hitoha.sock: "), message);
        assertEquals(1, message.lines().count(), message);
    }

    @Test
    void pullWithoutAnImageIsAUsageError() {
        Result r = run("pull");
        assertEquals(1, r.code());
        assertEquals("karakuri pull: pull takes one image: --image REF, or REF\nRun 'karakuri pull --help' for usage.\n",
                r.err());
        r = run("pull", "--help");
        assertEquals(0, r.code());
        assertTrue(r.out().startsWith("Usage: karakuri pull --image REF"), r.out());
    }

    @Test
    void containerCommandsWithoutADaemonSayHowToStartIt() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new KarakuriCli(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                new HitohaClient(java.nio.file.Path.of("/nonexistent/hitoha.sock"))).run(List.of("ls"));
        assertEquals(1, code);
        assertEquals("karakuri ls: cannot reach hitoha at /nonexistent/hitoha.sock: No such file or directory (is the "
                + "daemon running? start it with 'sudo systemctl start hitoha', or run 'sudo hitoha')\n",
                err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void unknownCommand() {
        Result r = run("frobnicate");
        assertEquals(1, r.code());
        assertEquals("", r.out());
        assertEquals("karakuri: unknown command \"frobnicate\"", r.err().lines().findFirst().orElseThrow());
    }
}
