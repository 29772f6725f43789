package io.karakuri.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Bad input: one clear error line, exit code 1, and nothing left behind (the base class checks that no
 * state directory, cgroup, mount or process remains).
 */
class FutabaErrorsIT extends FutabaTestBase {

    private void failsWith(Launcher.Result r, String message) {
        assertEquals(1, r.code(), r.toString());
        List<String> lines = r.err().lines().toList();
        assertEquals(1, lines.size(), "one line: " + r.err());
        assertTrue(lines.getFirst().startsWith("futaba: ") && lines.getFirst().contains(message),
                "expected \"" + message + "\" in: " + r.err());
    }

    private Launcher.Result create(Bundle b) {
        return futaba("create", "--bundle", b.dir().toString(), id("bad"));
    }

    @Test
    void missingConfig() {
        failsWith(create(bundle()), "has no config.json");
    }

    @Test
    void malformedConfig() throws Exception {
        Bundle b = bundle();
        Files.writeString(b.dir().resolve("config.json"), "{\n  \"ociVersion\": \"1.2.0\",\n  \"process\": {,\n}");
        failsWith(create(b), "at line 3, column 15");
    }

    @Test
    void unknownNamespaceType() {
        Bundle b = bundle();
        b.section("linux").put("namespaces", List.of(Map.of("type", "mount"), Map.of("type", "bogus")));
        b.config().remove("hostname");
        failsWith(create(b.write()), "unknown namespace type \"bogus\"");
    }

    @Test
    void missingRootFileSystem() {
        Bundle b = bundle();
        b.section("root").put("path", "no-such-rootfs");
        failsWith(create(b.write()), "is not a directory");
    }

    @Test
    void idTakenOrMalformed() {
        Bundle b = bundle().args("sleep", "300").write();
        String id = id("taken");
        futaba("create", "--bundle", b.dir().toString(), id).ok();
        failsWith(futaba("create", "--bundle", b.dir().toString(), id), "exists already");
        assertTrue(futaba("state", id).ok().out().contains("\"status\": \"created\""),
                "the existing container is untouched");
        failsWith(futaba("create", "--bundle", b.dir().toString(), "a/b"), "invalid container id");
    }

    @Test
    void mountDestinationEscapingTheRoot() {
        Bundle b = bundle().mount(FutabaRunIT.mount("/../../tmp/evil", "tmpfs", "tmpfs", List.of()));
        failsWith(create(b.write()), "escapes the container's root");
    }

    @Test
    void missingBindSource() {
        Bundle b = bundle().mount(FutabaRunIT.mount("/data", "bind", "/no/such/dir", List.of("rbind")));
        failsWith(create(b.write()), "/no/such/dir");
    }

    @Test
    void programNotFound() {
        failsWith(create(bundle().args("no-such-program").write()),
                "exec \"no-such-program\": executable file not found in $PATH");
    }

    @Test
    void aFailingStepInsideTheContainerIsNamed() {
        Bundle b = bundle().mount(FutabaRunIT.mount("/x", "no-such-fs", "none", List.of()));
        failsWith(create(b.write()), "mount no-such-fs on /x: No such device");
    }

    @Test
    void unknownOptionsAndCommands() {
        Launcher.Result r = futaba("create", "--no-such-option", "x");
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("futaba: create: unknown option --no-such-option"), r.err());
        r = futaba("frobnicate");
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("futaba: unknown command \"frobnicate\""), r.err());
    }
}
