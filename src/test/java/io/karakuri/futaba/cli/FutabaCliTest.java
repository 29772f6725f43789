package io.karakuri.futaba.cli;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.karakuri.Version;
import io.karakuri.futaba.spec.Spec;
import io.karakuri.futaba.spec.SpecReader;
import io.karakuri.futaba.spec.SpecValidator;
import io.karakuri.json.Json;
import io.karakuri.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class FutabaCliTest {
    private static final List<String> COMMANDS = List.of("create", "start", "run", "state", "kill", "delete", "list",
            "spec", "update");

    @TempDir
    Path dir;

    private record Result(int code, String out, String err) {
        List<String> errorLines() {
            return err.lines().filter(l -> l.startsWith("futaba: ")).toList();
        }
    }

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new FutabaCli(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)).run(List.of(args));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Runs with --root pointing at an empty state directory, so nothing touches /run/futaba. */
    private Result runWithRoot(String... args) throws IOException {
        Path root = Files.createDirectories(dir.resolve("root"));
        return run(Stream.concat(Stream.of("--root", root.toString()), Stream.of(args)).toArray(String[]::new));
    }

    @Test
    void version() {
        Result r = run("--version");
        assertEquals(0, r.code());
        assertEquals("futaba version " + Version.VERSION + "\nspec: 1.2.0\n", r.out());
        assertEquals("", r.err());
    }

    @Test
    void helpListsEveryCommand() {
        Result r = run("--help");
        assertEquals(0, r.code());
        for (String command : COMMANDS) {
            assertTrue(r.out().contains("\n  " + command + " "), command + " in:\n" + r.out());
        }
        assertTrue(r.out().contains("--root DIR"), r.out());
    }

    @Test
    void commandHelpListsItsOptions() {
        Result r = run("create", "--help");
        assertEquals(0, r.code());
        assertTrue(r.out().startsWith("Usage: futaba create [OPTIONS] CONTAINER-ID\n"), r.out());
        assertTrue(r.out().contains("-b, --bundle DIR"), r.out());
        assertTrue(r.out().contains("--pid-file FILE"), r.out());
    }

    static Stream<Arguments> usageErrors() {
        return Stream.of(
                Arguments.of(List.of("frobnicate"), "futaba: unknown command \"frobnicate\""),
                Arguments.of(List.of("checkpoint", "--image-path", "/x", "c1"), "futaba: unknown command \"checkpoint\""),
                Arguments.of(List.of("--root", "/x", "restore", "c1"), "futaba: unknown command \"restore\""),
                Arguments.of(List.of(), "futaba: no command given"),
                Arguments.of(List.of("--frob", "state", "x"), "futaba: unknown option --frob"),
                Arguments.of(List.of("create", "--frob", "x"), "futaba: create: unknown option --frob"),
                Arguments.of(List.of("create"), "futaba: create: expected create CONTAINER-ID"),
                Arguments.of(List.of("start", "a", "b"), "futaba: start: expected start CONTAINER-ID"),
                Arguments.of(List.of("create", "--bundle"), "futaba: create: option --bundle needs a value"),
                Arguments.of(List.of("--log-format", "xml", "list"),
                        "futaba: --log-format must be text or json, not \"xml\""));
    }

    @ParameterizedTest
    @MethodSource("usageErrors")
    void usageErrorsExitWith1AndOneErrorLine(List<String> args, String error) {
        Result r = run(args.toArray(String[]::new));
        assertEquals(1, r.code());
        assertEquals(List.of(error), r.errorLines(), r.err());
        assertEquals("", r.out());
    }

    @Test
    void unsupportedGlobalOptionsAreErrors() throws IOException {
        Result r = runWithRoot("--systemd-cgroup", "list");
        assertEquals(1, r.code());
        assertEquals(List.of("futaba: --systemd-cgroup is not supported: use the cgroupfs cgroup driver"),
                r.errorLines());
    }

    @Test
    void specWritesATemplateThatReadsBackAndValidates() throws IOException {
        Result r = run("spec", "--bundle", dir.toString());

        assertEquals(0, r.code(), r.err());
        Spec spec = SpecReader.read(Files.readString(dir.resolve("config.json")));
        assertDoesNotThrow(() -> SpecValidator.validate(spec));
        assertEquals("rootfs", spec.root().path());
    }

    @Test
    void specDoesNotOverwriteAConfig() throws IOException {
        assertEquals(0, run("spec", "-b", dir.toString()).code());
        String written = Files.readString(dir.resolve("config.json"));

        Result again = run("spec", "-b", dir.toString());

        assertEquals(1, again.code());
        assertEquals(List.of("futaba: " + dir.resolve("config.json") + " exists already: remove it first"),
                again.errorLines());
        assertEquals(written, Files.readString(dir.resolve("config.json")));
    }

    @Test
    void stateOfAMissingContainer() throws IOException {
        Result r = runWithRoot("state", "missing");
        assertEquals(1, r.code());
        assertEquals(List.of("futaba: container missing does not exist"), r.errorLines());
    }

    @Test
    void anInvalidContainerIdIsRefused() throws IOException {
        Result r = runWithRoot("state", "../etc");
        assertEquals(1, r.code());
        assertTrue(r.errorLines().getFirst().startsWith("futaba: invalid container id \"../etc\""), r.err());
    }

    @Test
    void updateChecksItsInputBeforeLookingForTheContainer() throws IOException {
        Result r = runWithRoot("update", "--blkio-weight", "5", "c1");
        assertEquals(1, r.code());
        assertEquals(List.of("futaba: update: linux.resources.blockIO.weight: must be 10 to 1000, found 5"),
                r.errorLines());

        r = runWithRoot("update", "--memory", "64m", "c1");
        assertEquals(1, r.code());
        assertEquals(List.of("futaba: container c1 does not exist"), r.errorLines());
    }

    @Test
    void killWithAnUnknownSignal() throws IOException {
        Result r = runWithRoot("kill", "c1", "FOO");
        assertEquals(1, r.code());
        assertEquals(List.of("futaba: unknown signal \"FOO\""), r.errorLines());
    }

    @Test
    void listWithoutContainers() throws IOException {
        Result table = runWithRoot("list");
        assertEquals(0, table.code(), table.err());
        assertEquals(List.of("ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"),
                List.of(table.out().strip().split(" +")));

        Result json = runWithRoot("list", "--format", "json");
        assertEquals("[]\n", json.out());
        assertEquals("", runWithRoot("list", "-q").out());
    }

    @Test
    void theJsonLogGetsOneLinePerError() throws IOException {
        Path log = dir.resolve("futaba.log");
        Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);

        Result r = runWithRoot("--log", log.toString(), "--log-format", "json", "state", "missing");

        assertEquals(1, r.code());
        List<String> lines = Files.readAllLines(log);
        assertEquals(1, lines.size(), lines::toString);
        JsonObject entry = JsonObject.root(Json.parse(lines.getFirst()), "log line");
        assertEquals("error", entry.requiredString("level"));
        assertEquals("container missing does not exist", entry.requiredString("msg"));
        Instant time = Instant.parse(entry.requiredString("time"));
        assertTrue(!time.isBefore(before) && !time.isAfter(Instant.now()), time.toString());
    }

    @Test
    void theTextLogIsLogfmt() throws IOException {
        Path log = dir.resolve("futaba.log");

        runWithRoot("--log=" + log, "state", "missing");

        String line = Files.readString(log);
        assertTrue(line.matches("time=\"[^\"]+\" level=error msg=\"container missing does not exist\"\n"), line);
    }
}
